"""Throttles per token and per person (rates in settings: REST_FRAMEWORK's
DEFAULT_THROTTLE_RATES ``api_token`` and ``api_user``). Over the rate: 429 with Retry-After."""

from rest_framework.throttling import SimpleRateThrottle

from api.auth import request_token


class PerTokenThrottle(SimpleRateThrottle):
    scope = "api_token"

    def get_cache_key(self, request, view):
        token = request_token(request)
        if token is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.pk}


class PerUserThrottle(SimpleRateThrottle):
    """Every way in of one person together (all their tokens and their session)."""

    scope = "api_user"

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
