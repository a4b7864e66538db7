from django.urls import path

from reporting import views

app_name = "reporting"
urlpatterns = [
    path("", views.start, name="start"),
    path("owed.xlsx", views.owed_download, name="owed_download"),
    path("uploads/", views.upload, name="upload"),
    path("uploads/<int:pk>/", views.upload_detail, name="upload_detail"),
    path("uploads/<int:pk>/confirm/", views.upload_confirm, name="upload_confirm"),
]
