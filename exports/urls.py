from django.urls import path

from exports import views

app_name = "exports"
urlpatterns = [
    path("ask/<slug:slug>/<int:pk>/", views.export_ask, name="ask"),
    path("<int:pk>/", views.export_page, name="export"),
    path("<int:pk>/download/", views.export_download, name="download"),
]
