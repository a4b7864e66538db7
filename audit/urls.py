from django.urls import path

from audit import views

app_name = "audit"
urlpatterns = [
    path("", views.events, name="events"),
    path("export/", views.events_export, name="export"),
    path("integrity/", views.integrity, name="integrity"),
]
