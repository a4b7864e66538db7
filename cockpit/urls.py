from django.urls import path

from cockpit import screen_views, views

app_name = "cockpit"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("red/", views.red_list_page, name="red_list"),
    path("campaign/<slug:slug>/", views.campaign_cockpit, name="campaign"),
    path("campaign/<slug:slug>/tasks/", views.campaign_tasks, name="tasks"),
    path("units/<int:pk>/", views.unit_page, name="unit"),
    path("screens/", screen_views.screens, name="screens"),
    path("screens/new/", screen_views.screen_new, name="screen_create"),
    path("screens/<int:pk>/revoke/", screen_views.screen_revoke_view, name="screen_revoke"),
    path("screen/<str:token>/", screen_views.screen, name="screen"),
]
