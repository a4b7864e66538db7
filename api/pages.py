"""The page where a person manages their API tokens (and the system administrator those of
service accounts). A new token is shown once, in the answer to the form that made it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from api import permissions
from api.forms import ServiceTokenForm, TokenForm
from api.models import ApiToken
from api.services import token_create, token_revoke
from config.errors import RuleViolation
from config.pages import post_only


def _tokens_of(user):
    rows = ApiToken.objects.select_related("user")
    if permissions.can_create_service_tokens(user):
        return rows.filter(Q(user=user) | Q(service=True))
    return rows.filter(user=user)


def _create(request, form, service: bool):
    data = form.cleaned_data
    return token_create(
        user=data["account"] if service else request.user,
        by=request.user,
        name=data["name"],
        scope=data["scope"],
        expires_days=data["expires_days"],
        service=service,
    )


@never_cache
@login_required
def tokens(request):
    service = request.method == "POST" and request.POST.get("kind") == "service"
    may_service = permissions.can_create_service_tokens(request.user)
    form = TokenForm(prefix="own")
    service_form = ServiceTokenForm(prefix="service") if may_service else None
    created = None
    if request.method == "POST":
        if service and not may_service:
            return redirect("tokens:list")
        bound = (ServiceTokenForm if service else TokenForm)(
            request.POST, prefix="service" if service else "own"
        )
        if bound.is_valid():
            try:
                created = _create(request, bound, service)
            except RuleViolation as refusal:
                refusal.add_to(bound)
        if created is None:
            form, service_form = (form, bound) if service else (bound, service_form)
    return render(
        request,
        "api/tokens.html",
        {
            "rows": _tokens_of(request.user),
            "form": form,
            "service_form": service_form,
            "created": created,
        },
    )


@login_required
@post_only(lambda request, pk: reverse("tokens:list"))
def revoke(request, pk: int):
    token = get_object_or_404(_tokens_of(request.user), pk=pk)
    token_revoke(token=token, by=request.user)
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("tokens:list")
