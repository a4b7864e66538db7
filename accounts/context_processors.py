from accounts.models import Role


def roles(request):
    """Roles for the menu."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"roles": frozenset(), "Role": Role}
    return {"roles": user.role_set, "Role": Role}
