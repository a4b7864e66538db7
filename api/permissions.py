"""Who may do what with API tokens. The resources themselves are decided by each app's own
permission module (the same functions as the pages)."""

from accounts.models import Role, User
from api.models import ApiToken


def can_have_tokens(user: User) -> bool:
    """Any signed-in, active person may hold personal tokens (the token can do no more than
    they can)."""
    return bool(user.is_authenticated and user.is_active)


def can_create_service_tokens(user: User) -> bool:
    """Tokens for service accounts: the system administrator's."""
    return bool(user.is_authenticated and user.has_role(Role.SYSADMIN))


def can_revoke_token(user: User, token: ApiToken) -> bool:
    return token.user_id == user.pk or (token.service and can_create_service_tokens(user))


def token_may_write(token: ApiToken | None) -> bool:
    """A session (no token) writes as its person; a token only with the write scope."""
    return token is None or token.scope == ApiToken.Scope.WRITE


def roles_read_with_token(user: User, roles: set[str]) -> None:
    """The person's roles, read in the token's own query (``auth``): every permission check
    of the request asks ``role_set``, a cached property, which then reads no row again."""
    user.__dict__["role_set"] = frozenset(roles)
