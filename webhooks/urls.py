"""Mounted under /accounts/notifications/webhooks/ (beside 发送失败, where these buttons are)."""

from django.urls import path

from webhooks import views

urlpatterns = [
    path("<int:pk>/retry/", views.webhook_delivery_retry, name="webhook_delivery_retry"),
]
