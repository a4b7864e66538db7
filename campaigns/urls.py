from django.urls import path

from campaigns import draft_views, running_views, views
from exports.views import list_export_view

app_name = "campaigns"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", running_views.campaign_create_view, name="create"),
    path("<slug:slug>/", views.campaign_detail, name="detail"),
    path("<slug:slug>/lists/<int:pk>/", views.list_detail, name="list_detail"),
    path("<slug:slug>/lists/<int:pk>/export/", list_export_view, name="list_export"),
    path("<slug:slug>/templates/<slug:kind>/", views.list_template_view, name="list_template"),
    path("<slug:slug>/imports/", views.import_start, name="import_start"),
    path("<slug:slug>/imports/upload/", views.import_upload, name="import_upload"),
    path("<slug:slug>/imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("<slug:slug>/imports/<int:pk>/status/", views.import_status, name="import_status"),
    path("<slug:slug>/imports/<int:pk>/columns/", views.import_columns, name="import_columns"),
    path("<slug:slug>/imports/<int:pk>/units/", views.import_units, name="import_units"),
    path("<slug:slug>/imports/<int:pk>/target/", views.import_target, name="import_target"),
    path("<slug:slug>/imports/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("<slug:slug>/imports/<int:pk>/discard/", views.import_discard, name="import_discard"),
    path(
        "<slug:slug>/imports/<int:pk>/publish/", draft_views.import_publish, name="import_publish"
    ),
    path(
        "<slug:slug>/imports/<int:pk>/deadlines/",
        draft_views.import_deadlines,
        name="import_deadlines",
    ),
    # Running a campaign (coordinators): campaigns/running_views.py
    path("<slug:slug>/edit/", running_views.campaign_edit, name="edit"),
    path("<slug:slug>/archive/", running_views.campaign_archive_view, name="archive"),
    path("<slug:slug>/restore/", running_views.campaign_restore_view, name="restore"),
    path("<slug:slug>/lists/new/", running_views.list_create, name="list_create"),
    path("<slug:slug>/lists/<int:pk>/edit/", running_views.list_edit, name="list_edit"),
    path("<slug:slug>/lists/<int:pk>/tasks/new/", running_views.task_add_view, name="task_add"),
    path("<slug:slug>/acknowledgements/", running_views.acknowledgements, name="acknowledgements"),
]
