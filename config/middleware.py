from django.conf import settings
from django.utils import translation


class ChineseFirstLocaleMiddleware:
    """Chinese unless the person chose otherwise with the language switch.

    Django's LocaleMiddleware follows the browser's Accept-Language, so a clerk whose browser
    came set to English would get an English page. Here only the language cookie (set by the
    switch at the foot of every page) overrides ``LANGUAGE_CODE``.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class SecurityHeadersMiddleware:
    """Headers every page and download gets (assets are served before this, by whitenoise).

    - Content-Security-Policy: scripts only from our own static files (no inline script, no
      eval), nothing framed, forms posting only here. Styles may be inline (style attributes).
    - Cache-Control: no-store on every response that did not choose otherwise: pages show task
      content and downloads are evidence and exports, which must not stay in a shared or
      browser cache after logout.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Content-Security-Policy", self.policy)
        user = getattr(request, "user", None)
        if "Cache-Control" not in response.headers or (user is not None and user.is_authenticated):
            response.headers["Cache-Control"] = "no-store, private"
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        return response
