from django.urls import path

from measures import views

app_name = "measures"
urlpatterns = [
    path("campaign/<slug:slug>/", views.register, name="register"),
    path("campaign/<slug:slug>/measures/", views.measure_list, name="measures"),
    path("campaign/<slug:slug>/measures/<int:line>/", views.measure_update, name="measure_update"),
    path("campaign/<slug:slug>/add/", views.application_add, name="application_add"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("applications/<int:pk>/confirm/", views.application_confirm, name="application_confirm"),
    path("applications/<int:pk>/edit/", views.application_edit, name="application_edit"),
    path("applications/<int:pk>/drop/", views.application_drop, name="application_drop"),
]
