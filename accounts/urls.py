from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import unit_views, views, views_security
from config.pages import post_only

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    # Logging out takes the form in the header; a GET (a link, a bookmark) changes nothing.
    path("logout/", post_only("home")(auth_views.LogoutView.as_view()), name="logout"),
    path("units/merge/", unit_views.unit_merge_page, name="unit_merge"),
    path("password/", views_security.password_change_view, name="password_change"),
    path("second-factor/", views_security.second_factor, name="second_factor"),
    path("second-factor/setup/", views_security.second_factor_setup, name="second_factor_setup"),
    path("sessions/", views_security.sessions, name="sessions"),
    path("sessions/<int:pk>/end/", views_security.session_revoke, name="session_revoke"),
    path("sessions/keepalive/", views_security.session_keepalive, name="session_keepalive"),
]
