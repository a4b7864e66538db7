import logging

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts import permissions
from accounts.forms import LoginForm
from accounts.models import Heartbeat

log = logging.getLogger(__name__)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True
    authentication_form = LoginForm


@login_required
def home(request):
    """Send each person to the page their work starts on."""
    user = request.user
    if permissions.lands_on_cockpit(user):
        return redirect("cockpit:overview")
    if permissions.oversees_campaigns(user):
        return redirect("campaigns:list")
    if permissions.works_on_tasks(user):
        return redirect("tasks:mine")
    if permissions.inspects_only(user):
        return redirect("inspections:index")
    if permissions.menu(user)["audit"]:
        return redirect("audit:events")
    return render(
        request,
        "accounts/no_business_role.html",
        {"can_merge_units": permissions.can_administer_units(user)},
    )


def _broker_answers() -> bool:
    from config.celery import app

    try:
        with app.connection_for_read(connect_timeout=2) as connection:
            connection.ensure_connection(max_retries=1)
        return True
    except Exception:  # any failure to reach the broker means "down"; its kind is logged
        log.warning("healthz: the broker does not answer", exc_info=True)
        return False


@never_cache
@require_GET
def healthz(request):
    """Liveness for load balancers and CI, always JSON: the database and the broker answer
    (else 503, saying which), and when the worker last ran a job."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        beats = {beat.name: beat for beat in Heartbeat.objects.all()}
    except DatabaseError:
        log.warning("healthz: the database does not answer", exc_info=True)
        return JsonResponse({"database": "down", "broker": "unknown"}, status=503)
    broker = _broker_answers()
    now = timezone.now()
    body = {
        "database": "ok",
        "broker": "ok" if broker else "down",
        "heartbeats": {
            name: {"at": beat.at.isoformat(), "age_seconds": int((now - beat.at).total_seconds())}
            for name, beat in beats.items()
        },
    }
    return JsonResponse(body, status=200 if broker else 503)
