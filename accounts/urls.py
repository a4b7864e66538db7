from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import unit_views, views
from config.pages import post_only

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    # Logging out takes the form in the header; a GET (a link, a bookmark) changes nothing.
    path("logout/", post_only("home")(auth_views.LogoutView.as_view()), name="logout"),
    path("units/merge/", unit_views.unit_merge_page, name="unit_merge"),
]
