from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts import permissions, selectors, services
from accounts.forms import NotificationSettingsForm
from accounts.models import Heartbeat, Notification
from accounts.services import notifications_mark_read
from config.errors import RuleViolation


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@login_required
def home(request):
    """Send each person to the page their work starts on."""
    user = request.user
    if permissions.oversees_campaigns(user):
        return redirect("campaigns:list")
    if permissions.works_on_tasks(user):
        return redirect("tasks:mine")
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


@login_required
def notification_list(request):
    items = request.user.notifications.all()[:100]
    return render(request, "accounts/notifications.html", {"items": items})


@login_required
@require_POST
def notification_open(request, pk: int):
    """Mark one notice read and go where it points (only to a page of this site)."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notifications_mark_read(user=request.user, ids=[notification.pk])
    if notification.url and url_has_allowed_host_and_scheme(
        notification.url, allowed_hosts={request.get_host()}
    ):
        return redirect(notification.url)
    return redirect("notifications")


@login_required
@require_POST
def notifications_read_all(request):
    notifications_mark_read(user=request.user)
    return redirect("notifications")


@login_required
def notification_settings(request):
    """通知设置: the channels a person wants besides the bell, and how robots may @ them."""
    user = request.user
    if request.method == "POST":
        form = NotificationSettingsForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.notification_preferences_update(
                    user=user,
                    email=data["email"],
                    robot=data["robot"],
                    mobile=data["mobile"],
                    wecom_userid=data["wecom_userid"],
                )
            except RuleViolation as error:  # beside its field, the form keeping what was typed
                error.add_to(form)
            else:
                messages.success(request, _("Your notification settings are saved."))
                return redirect("notification_settings")
    else:
        form = NotificationSettingsForm(
            initial={
                "email": user.notify_by_email,
                "robot": user.notify_by_robot,
                "mobile": user.mobile,
                "wecom_userid": user.wecom_userid,
            }
        )
    return render(
        request,
        "accounts/notification_settings.html",
        {
            "form": form,
            "mention_fields": [form["mobile"], form["wecom_userid"]],
            "robots": selectors.robots_of_unit(unit_id=user.unit_id),
        },
    )


@login_required
def deliveries_failed(request):
    """发送失败: emails and robot messages that could not be sent, for those who can act on them."""
    if not selectors.can_see_deliveries(request.user):
        raise Http404
    items = selectors.deliveries_failed(user=request.user)
    return render(request, "accounts/deliveries_failed.html", {"items": items})


@login_required
@require_POST
def delivery_retry(request, pk: int):
    delivery = selectors.access_delivery(user=request.user, pk=pk)
    try:
        services.delivery_retry(delivery=delivery, by=request.user)
    except RuleViolation as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Sending again now."))
    return redirect("deliveries_failed")
