"""What a person's roles let them reach: which work they have, which pages are theirs.

Every other app's ``permissions.py`` builds on these; pages, menus and templates ask these
functions (or a flag they computed), never ``has_role`` themselves.
"""

from accounts.models import Role, User


def works_on_tasks(user: User) -> bool:
    """Unit staff and unit heads: they report on their unit's tasks (我的任务)."""
    return user.is_authenticated and user.has_role(Role.STAFF, Role.HEAD)


def oversees_campaigns(user: User) -> bool:
    """Coordinators and leaders start from the campaigns and their figures."""
    return user.is_authenticated and user.has_role(Role.COORDINATOR, Role.LEADER)


def is_coordinator(user: User) -> bool:
    """Holds the coordinator role (for some campaign; which ones is the campaign's rule)."""
    return user.is_authenticated and user.has_role(Role.COORDINATOR)


def is_leader(user: User) -> bool:
    """District leaders see every campaign and task."""
    return user.is_authenticated and user.has_role(Role.LEADER)


def is_unit_head(user: User) -> bool:
    """A unit head of a unit: confirms that unit's reports."""
    return user.is_authenticated and user.unit_id is not None and user.has_role(Role.HEAD)


def menu(user: User) -> dict[str, bool]:
    """Which entries of the top menu a person sees (each one the rule of the page it opens)."""
    return {
        "my_tasks": works_on_tasks(user),
        "campaigns": oversees_campaigns(user),
        "requests": is_coordinator(user),
    }
