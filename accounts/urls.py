from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import unit_views, views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("units/merge/", unit_views.unit_merge_page, name="unit_merge"),
]
