from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views, views_security

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views_security.password_change_view, name="password_change"),
    path("second-factor/", views_security.second_factor, name="second_factor"),
    path("second-factor/setup/", views_security.second_factor_setup, name="second_factor_setup"),
    path("sessions/", views_security.sessions, name="sessions"),
    path("sessions/<int:pk>/end/", views_security.session_revoke, name="session_revoke"),
    path("sessions/keepalive/", views_security.session_keepalive, name="session_keepalive"),
]
