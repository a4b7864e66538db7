"""Token authentication (``Authorization: Bearer qd_…``) and the token's scope.

The token is looked up by its first characters and compared by digest in constant time; an
expired, revoked or unknown token answers 401. The browser session goes on working through
DRF's SessionAuthentication, which enforces CSRF."""

from hmac import compare_digest

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS, BasePermission

from api import permissions
from api.models import KEY_LENGTH, ApiToken
from api.services import token_digest, token_touch

SCHEMES = (b"bearer", b"token")


class ApiTokenAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in SCHEMES:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Send the token as: Bearer <token>."))
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        return self.authenticate_credentials(token)

    def authenticate_credentials(self, token: str):
        digest = token_digest(token)
        # The person's roles come in the same query, a row per role (none: one row, None):
        # every request asks them (who sees what), and this saves it a query of its own.
        rows = (
            ApiToken.objects.filter(key=token[:KEY_LENGTH])
            .select_related("user")
            .annotate(user_role=F("user__roles__role"))
            .order_by("pk")
        )
        found: ApiToken | None = None
        roles: set[str] = set()
        for row in rows:
            if found is None and compare_digest(digest, row.digest):
                found = row
            if found is not None and row.pk == found.pk and row.user_role:
                roles.add(row.user_role)
        if found is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        permissions.roles_read_with_token(found.user, roles)
        return self._live(found)

    def _live(self, row: ApiToken):
        now = timezone.now()
        if row.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This token has been revoked."))
        if row.expires_at is not None and row.expires_at <= now:
            raise exceptions.AuthenticationFailed(_("This token has expired."))
        if not row.user.is_active:
            raise exceptions.AuthenticationFailed(_("The account of this token is disabled."))
        token_touch(token=row, now=now)
        return (row.user, row)

    def authenticate_header(self, request):
        return self.keyword


def request_token(request) -> ApiToken | None:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, ApiToken) else None


class TokenScope(BasePermission):
    """A read-scope token reads; writing needs the write scope."""

    message = _("This token may only read: create a token with read and write scope.")

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or permissions.token_may_write(request_token(request))


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "个人或服务账号 API 令牌：Authorization: Bearer qd_…",
        }
