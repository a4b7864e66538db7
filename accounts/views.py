from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts import permissions
from accounts.forms import LoginForm
from accounts.models import Heartbeat


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True
    authentication_form = LoginForm


@login_required
def home(request):
    """Send each person to the page their work starts on."""
    user = request.user
    if permissions.oversees_campaigns(user):
        return redirect("campaigns:list")
    if permissions.works_on_tasks(user):
        return redirect("tasks:mine")
    if permissions.inspects_only(user):
        return redirect("inspections:index")
    if permissions.menu(user)["audit"]:
        return redirect("audit:events")
    return render(request, "accounts/no_business_role.html")


@never_cache
@require_GET
def healthz(request):
    """Liveness for load balancers and CI: the database answers; when the worker last ran a job."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    now = timezone.now()
    beats = {
        beat.name: {"at": beat.at.isoformat(), "age_seconds": int((now - beat.at).total_seconds())}
        for beat in Heartbeat.objects.all()
    }
    return JsonResponse({"database": "ok", "heartbeats": beats})
