from django.urls import path

from tasks import report_views, running_views, views

app_name = "tasks"
urlpatterns = [
    path("mine/", views.my_tasks, name="mine"),
    path("mine/acknowledge/", running_views.tasks_acknowledge, name="acknowledge_all"),
    path("requests/", views.request_queue, name="requests"),
    path("<int:pk>/", views.task_page, name="detail"),
    path("<int:pk>/history/", views.task_history_page, name="history"),
    path("<int:pk>/reports/", report_views.report_submit, name="report_submit"),
    path("<int:pk>/requests/", views.request_create, name="request_create"),
    path("<int:pk>/instructions/", views.instruction_give, name="instruction_give"),
    path("requests/<int:pk>/decide/", views.request_decide, name="request_decide"),
    path("requests/<int:pk>/withdraw/", views.request_withdraw, name="request_withdraw"),
    path("instructions/<int:pk>/answer/", views.instruction_answer, name="instruction_answer"),
    path("instructions/<int:pk>/urge/", views.instruction_urge, name="instruction_urge"),
    path("reports/<int:pk>/confirm/", views.report_confirm, name="report_confirm"),
    path("reports/<int:pk>/edit/", views.report_edit, name="report_edit"),
    path("reports/<int:pk>/evidence/", report_views.report_evidence, name="report_evidence"),
    path("reports/confirm-all/", report_views.reports_confirm_all, name="reports_confirm_all"),
    path("followups/<int:pk>/", views.followup_record, name="followup_record"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence"),
    path("<int:pk>/edit/", running_views.task_edit, name="edit"),
    path("<int:pk>/acknowledge/", running_views.task_acknowledge, name="acknowledge"),
]
