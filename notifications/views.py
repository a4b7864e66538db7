from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from config.errors import RuleViolation
from config.pages import post_only, save_form
from notifications import permissions, selectors, services
from notifications.forms import NotificationSettingsForm
from notifications.hooks import failed_sections
from notifications.models import Notification


@login_required
def notification_list(request):
    return render(
        request,
        "notifications/notifications.html",
        {
            "items": selectors.notifications_of(user=request.user),
            "can_see_deliveries": permissions.can_see_deliveries(request.user),
        },
    )


@login_required
@post_only(lambda request, pk: reverse("notifications"))
def notification_open(request, pk: int):
    """Mark one notice read and go where it points (only to a page of this site)."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    services.notifications_mark_read(user=request.user, ids=[notification.pk])
    if notification.url and url_has_allowed_host_and_scheme(
        notification.url, allowed_hosts={request.get_host()}
    ):
        return redirect(notification.url)
    return redirect("notifications")


@login_required
@post_only("notifications")
def notifications_read_all(request):
    services.notifications_mark_read(user=request.user)
    return redirect("notifications")


@login_required
def notification_settings(request):
    """通知设置: the channels a person wants besides the bell, and how robots may @ them."""
    user = request.user
    if request.method == "POST":
        form = NotificationSettingsForm(request.POST)
        done = save_form(
            request,
            form,
            lambda: services.notification_preferences_update(
                user=user,
                email=form.cleaned_data["email"],
                robot=form.cleaned_data["robot"],
                mobile=form.cleaned_data["mobile"],
                wecom_userid=form.cleaned_data["wecom_userid"],
            ),
            success=_("Your notification settings are saved."),
            then=reverse("notification_settings"),
        )
        if done is not None:
            return done
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
        "notifications/notification_settings.html",
        {
            "form": form,
            "mention_fields": [form["mobile"], form["wecom_userid"]],
            "robots": selectors.robots_of_unit(unit_id=user.unit_id),
        },
    )


@login_required
def deliveries_failed(request):
    """发送失败: emails and robot messages that could not be sent, for those who can act on them."""
    if not permissions.can_see_deliveries(request.user):
        raise Http404
    return render(
        request,
        "notifications/deliveries_failed.html",
        {
            "items": selectors.deliveries_failed(user=request.user),
            "show_notice_titles": permissions.can_read_delivered_notices(request.user),
            "sections": failed_sections(user=request.user),
        },
    )


@login_required
@post_only(lambda request, pk: reverse("deliveries_failed"))
def delivery_retry(request, pk: int):
    delivery = permissions.access_delivery(request.user, pk)
    return send_again(request, retry=services.delivery_retry, delivery=delivery)


def send_again(request, *, retry: Callable[..., object], delivery) -> HttpResponse:
    """发送失败's "send again" button, for any kind of delivery (``retry``: its service)."""
    try:
        retry(delivery=delivery, by=request.user)
    except RuleViolation as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Sending again now."))
    return redirect("deliveries_failed")
