"""Who sees which figures of the cockpit, and who manages the big-screen links. Pages,
templates (through the flags their views pass) and services ask this module; nothing else in
``cockpit`` tests a role.

* **The overview, a campaign's cockpit, its drill-down lists and the red list**: leaders (every
  campaign) and coordinators (the campaigns they coordinate). Both read every task of those
  campaigns already (``tasks.permissions``), so every figure counts all the campaign's tasks.
  Anyone else: 404.
* **A unit's page**: leaders and coordinators for any unit; unit staff and heads for their own
  unit only. What it shows is the unit's tasks the reader may open: all of them for leaders and
  for the unit's own people, those of the campaigns they coordinate for coordinators. A staff
  member therefore never sees another unit's figures beyond what the bulletins publish (the
  weekly reporting rates and the monthly ranking, on the cycles' pages).
* **Big-screen links** (大屏): coordinators make them for campaigns they coordinate, and see
  and revoke those that show one of their campaigns (or that they made). The screen itself
  needs no login: the link's token is the key, and it shows aggregates and task titles only.
"""

from django.db.models import F, Q, QuerySet, Subquery
from django.http import Http404

from accounts.models import Unit, User
from accounts.permissions import is_coordinator, is_leader, oversees_campaigns, works_on_tasks
from campaigns.models import Campaign
from cockpit.models import Screen
from tasks.models import Task, TaskSupport
from tasks.search import AnyOf

# --- the cockpit (leaders and coordinators) ----------------------------------------------


def can_use_cockpit(user: User) -> bool:
    """The overview and the red list: leaders and coordinators."""
    return oversees_campaigns(user)


def cockpit_campaigns(user: User) -> QuerySet[Campaign]:
    """The campaigns whose figures ``user`` sees: every one for leaders, the ones they
    coordinate for coordinators, none for anyone else."""
    if not user.is_authenticated or not user.is_active:
        return Campaign.objects.none()
    if is_leader(user):
        return Campaign.objects.all()
    if is_coordinator(user):
        return Campaign.objects.filter(pk__in=user.coordinated_campaigns.values("pk"))
    return Campaign.objects.none()


def access_cockpit(user: User) -> None:
    """404 unless ``user`` has a cockpit (the page's existence is not revealed)."""
    if not can_use_cockpit(user):
        raise Http404


def access_cockpit_campaign(user: User, slug: str) -> Campaign:
    """A campaign's cockpit and drill-down lists: its coordinators and leaders; 404 otherwise."""
    campaign = cockpit_campaigns(user).filter(slug=slug).first()
    if campaign is None:
        raise Http404
    return campaign


def instructs_in(user: User, campaign_ids: set[int]) -> set[int]:
    """Of these campaigns, those on whose tasks ``user`` may give instructions (督办): leaders on
    every task, coordinators on their campaigns' (``tasks.permissions.can_instruct``, asked
    once per campaign rather than once per line of the red list)."""
    if is_leader(user):
        return set(campaign_ids)
    if not is_coordinator(user):
        return set()
    return set(user.coordinated_campaigns.filter(pk__in=campaign_ids).values_list("pk", flat=True))


# --- a unit's page -----------------------------------------------------------------------


def _own_unit(user: User, unit: Unit) -> bool:
    return works_on_tasks(user) and user.unit_id == unit.pk


def can_see_unit_page(user: User, unit: Unit) -> bool:
    return is_leader(user) or is_coordinator(user) or _own_unit(user, unit)


def access_unit_page(user: User, unit_id: int) -> Unit:
    """The unit if ``user`` may open its page; 404 otherwise."""
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None or not user.is_authenticated or not can_see_unit_page(user, unit):
        raise Http404
    return unit


def own_unit_page(user: User) -> int | None:
    """The unit whose page the menu offers a member of a unit (staff, heads)."""
    return user.unit_id if works_on_tasks(user) and user.unit_id else None


def unit_page_tasks(
    user: User, unit: Unit, *, leads: bool = True, supports: bool = True
) -> QuerySet[Task]:
    """The work the unit leads or supports (or only ``leads``, or only ``supports``) that
    ``user`` may open (see the module's rules)."""
    return unit_page_work(
        unit_page_reach(user, unit), unit.pk, user.pk, leads=leads, supports=supports
    )


def unit_page_reach(user: User, unit: Unit) -> str:
    """Which of a unit's tasks ``user`` may open on its page: "all" (leaders, the unit's own
    people), "coordinated" (a coordinator: those of their campaigns) or "none"."""
    if is_leader(user) or _own_unit(user, unit):
        return "all"
    if is_coordinator(user):
        return "coordinated"
    return "none"


def unit_page_work(
    reach: str, unit_id, user_id, *, leads: bool = True, supports: bool = True
) -> QuerySet[Task]:
    """``unit_page_tasks`` by the reader's reach (``unit_page_reach``), the unit's id and the
    reader's: values, or ``config.prepared`` slots for a statement compiled once per reach.

    The supported tasks are an array of ids (``AnyOf``: ``= ANY(ARRAY(…))`` on PostgreSQL), so
    the condition is an OR of two index scans, the lead unit's and the primary key's; as
    ``IN (subquery)`` inside the OR it was a filter on every task of every campaign (about
    20 ms for each of the page's reads at 100,000 tasks). The page's counts of the tasks it
    leads, and of those it supports, ask for one side only: one index scan."""
    supported = Q(
        AnyOf(F("pk"), Subquery(TaskSupport.objects.filter(unit_id=unit_id).values("task_id")))
    )
    if leads and supports:
        qs = Task.objects.work().filter(Q(lead_unit_id=unit_id) | supported)
    elif leads:
        qs = Task.objects.work().filter(lead_unit_id=unit_id)
    else:
        qs = Task.objects.work().filter(supported).exclude(lead_unit_id=unit_id)
    if reach == "all":
        return qs
    if reach == "coordinated":
        coordinated = Campaign.objects.filter(coordinators=user_id).values("pk")
        return qs.filter(task_list__campaign__in=coordinated)
    return qs.none()


def unit_page_campaigns(user: User, unit: Unit) -> QuerySet[Campaign]:
    """The campaigns whose ratings, ranks and reporting of the unit ``user`` sees: those of the
    tasks above (the monthly ranking is published to every unit of a campaign)."""
    return reach_campaigns(unit_page_reach(user, unit), user.pk)


def reach_campaigns(reach: str, user_id) -> QuerySet[Campaign]:
    """``unit_page_campaigns`` by the reader's reach and id (a value or a slot)."""
    if reach == "all":
        return Campaign.objects.all()
    if reach == "coordinated":
        coordinated = Campaign.objects.filter(coordinators=user_id).values("pk")
        return Campaign.objects.filter(pk__in=coordinated)
    return Campaign.objects.none()


def sees_every_unit_figure(user: User) -> bool:
    """Links from a unit's page into a campaign's cockpit: for those who have the cockpit."""
    return can_use_cockpit(user)


# --- big-screen links ----------------------------------------------------------------------


def can_manage_screens(user: User) -> bool:
    """Make, name and revoke big-screen links: coordinators."""
    return is_coordinator(user)


def screen_campaign_choices(user: User) -> QuerySet[Campaign]:
    """The campaigns a coordinator may put on a screen: those they coordinate."""
    if not can_manage_screens(user):
        return Campaign.objects.none()
    return Campaign.objects.filter(pk__in=user.coordinated_campaigns.values("pk"))


def managed_screens(user: User) -> QuerySet[Screen]:
    """The links ``user`` sees and may revoke: those showing a campaign they coordinate, and
    those they made."""
    if not can_manage_screens(user):
        return Screen.objects.none()
    ids = Screen.objects.filter(
        Q(created_by=user) | Q(campaigns__in=user.coordinated_campaigns.values("pk"))
    ).values("pk")
    return Screen.objects.filter(pk__in=ids)


def access_managed_screen(user: User, pk: int) -> Screen:
    screen = managed_screens(user).filter(pk=pk).first()
    if screen is None:
        raise Http404
    return screen
