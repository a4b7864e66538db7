"""Mounted under /accounts/notifications/ (the paths people and mails already know)."""

from django.urls import path

from notifications import views

urlpatterns = [
    path("", views.notification_list, name="notifications"),
    path("read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("<int:pk>/open/", views.notification_open, name="notification_open"),
    path("settings/", views.notification_settings, name="notification_settings"),
    path("failed/", views.deliveries_failed, name="deliveries_failed"),
    path("failed/<int:pk>/retry/", views.delivery_retry, name="delivery_retry"),
]
