"""The big screen (大屏): coordinators make, name and revoke its links; a wall display opens one
without logging in and shows aggregates and task titles only, rotating between the link's
campaigns and reloading itself every minute (a meta refresh: no script needed)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from campaigns.models import Campaign
from cockpit import permissions
from cockpit.forms import ScreenForm
from cockpit.models import ScreenUse
from cockpit.selectors.breakdowns import campaign_breakdown, heat_map, work_lists
from cockpit.selectors.figures import campaign_figures
from cockpit.selectors.redlist import first_red
from cockpit.selectors.trend import trend, trend_chart
from cockpit.services import screen_create, screen_revoke, screen_use
from cockpit.services.screens import screen_for_token
from cockpit.views import heat_chart
from config.errors import RuleViolation
from config.pages import post_only
from config.replica import read_replica

NEW_LINK = "cockpit_new_screen"  # the session key that carries a new link to the next page
REFRESH_SECONDS = 60
HEAT_ROWS = 20  # what fits a 1080-pixel screen
RED_ROWS = 10


def _page(request, form, status=200):
    user = request.user
    screens = (
        permissions.managed_screens(user)
        .select_related("created_by", "revoked_by")
        .prefetch_related(
            "campaigns", Prefetch("uses", queryset=ScreenUse.objects.order_by("-last_at"))
        )
        .annotate(uses_total=Coalesce(Sum("uses__count"), 0))
    )
    return render(
        request,
        "cockpit/screens.html",
        {
            "form": form,
            "screens": screens,
            "new_link": request.session.pop(NEW_LINK, None),
        },
        status=status,
    )


@login_required
@require_GET
def screens(request):
    """The coordinator's big-screen links: make one, see each one's use, revoke."""
    if not permissions.can_manage_screens(request.user):
        raise Http404
    campaigns = permissions.screen_campaign_choices(request.user)
    return _page(request, ScreenForm(campaigns=campaigns, initial={"campaigns": campaigns}))


@login_required
@post_only("cockpit:screens")
def screen_new(request):
    user = request.user
    if not permissions.can_manage_screens(user):
        raise Http404
    form = ScreenForm(request.POST, campaigns=permissions.screen_campaign_choices(user))
    if form.is_valid():
        try:
            screen, token = screen_create(
                by=user, name=form.cleaned_data["name"], campaigns=form.cleaned_data["campaigns"]
            )
        except RuleViolation as error:
            error.add_to(form)
        else:
            # Shown once, on the next page; only its hash is kept.
            request.session[NEW_LINK] = {
                "name": screen.name,
                "url": request.build_absolute_uri(reverse("cockpit:screen", args=[token])),
            }
            return redirect("cockpit:screens")
    return _page(request, form, status=400)


@login_required
@post_only(lambda request, pk: reverse("cockpit:screens"))
def screen_revoke_view(request, pk: int):
    screen = permissions.access_managed_screen(request.user, pk)
    screen_revoke(screen=screen, by=request.user)
    messages.success(
        request, _("The link of “%(name)s” is revoked: it opens nothing now.") % {"name": screen}
    )
    return redirect("cockpit:screens")


@never_cache
@require_GET
def screen(request, token: str):
    """The kiosk view of a link: one campaign at a time, in turn. Unknown or revoked: 404."""
    screen_ = screen_for_token(token)
    if screen_ is None:
        raise Http404
    screen_use(
        screen=screen_,
        address=request.META.get("REMOTE_ADDR", ""),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )
    # The token was checked on default (a revoked link opens nothing at once); the figures,
    # read every few seconds by every display, come from the replica.
    with read_replica():
        return _screen_page(request, screen_)


def _screen_page(request, screen_):
    campaigns = list(
        Campaign.objects.filter(pk__in=screen_.campaigns.values("pk")).order_by("-year", "name")
    )
    index = request.GET.get("i", "0")
    index = int(index) % len(campaigns) if index.isdigit() and campaigns else 0
    context: dict = {"screen": screen_, "refresh": REFRESH_SECONDS, "now": timezone.localtime()}
    if campaigns:
        campaign = campaigns[index]
        today = timezone.localdate()
        lists = work_lists(campaign)
        breakdown = campaign_breakdown(campaign=campaign, today=today)
        heat = heat_map(breakdown)[:HEAT_ROWS]
        weeks = trend(campaign=campaign, weeks=26)
        red = first_red(campaign_ids=[campaign.pk], today=today, limit=RED_ROWS)
        context |= {
            "campaign": campaign,
            "position": index + 1,
            "count": len(campaigns),
            "next": (index + 1) % len(campaigns),
            "f": campaign_figures(campaigns=[campaign], today=today, counts=breakdown.total)[
                campaign.pk
            ],
            "weeks": weeks,
            "trend_chart": trend_chart(weeks),
            "lists": lists,
            "heat": heat,
            "heat_chart": heat_chart(heat, lists),
            # Aggregates and titles only: no owner names, no report text.
            "red": [
                {
                    "code": t.code,
                    "list": t.task_list.name,
                    "title": t.title,
                    "unit": t.lead_unit.name,
                    "days": (today - t.deadline).days if t.deadline else 0,
                }
                for t in red
            ],
        }
    response = render(request, "cockpit/screen.html", context)
    response["Referrer-Policy"] = "no-referrer"  # the token is in the address
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
