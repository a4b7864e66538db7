from django.contrib import messages
from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from formtokens.services import FIELD, Repeat, form_token_claim, form_token_finish, well_formed

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
REDIRECTS = (301, 302, 303, 307, 308)


class FormTokenMiddleware:
    """The same form sent twice (a double click, a reload, two tabs) is acted on once.

    Placed after CSRF and authentication: a POST whose form carries a token (``{% form_token
    %}``) claims it before the view runs; a repeat never reaches the view and is sent where the
    first sending led. A POST without a token (the API, the admin, scripts) passes untouched.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        claim = getattr(request, "form_token_claim", None)
        if claim is not None:
            ok = response.status_code in REDIRECTS and response.has_header("Location")
            form_token_finish(claim=claim, location=response["Location"] if ok else "")
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or request.content_type not in FORM_TYPES:
            return None
        token = request.POST.get(FIELD, "")
        if not well_formed(token):
            return None
        user = getattr(request, "user", None)
        result = form_token_claim(
            token=token,
            user_id=user.pk if user is not None and user.is_authenticated else None,
            path=request.path,
        )
        if isinstance(result, Repeat):
            return self._repeat(request, result)
        request.form_token_claim = result
        return None

    def _repeat(self, request, repeat: Repeat):
        if repeat.location:
            messages.info(request, _("This form had already been sent: it was acted on once."))
            return HttpResponseRedirect(repeat.location)
        if repeat.same_form:
            messages.warning(
                request,
                _("This form is still being handled: wait a moment, then reload the page."),
            )
        else:
            messages.error(request, _("This form has expired: reload the page and send it again."))
        back = request.headers.get("referer", "")
        safe = url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        return HttpResponseRedirect(back if safe else "/")
