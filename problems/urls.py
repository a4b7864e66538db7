from django.urls import path

from problems import views

app_name = "problems"
urlpatterns = [
    path("campaign/<slug:slug>/", views.ledger, name="ledger"),
    path("campaign/<slug:slug>/raise/", views.raise_problem, name="raise"),
    path("<int:pk>/", views.problem_detail, name="problem"),
    path("<int:pk>/assign/", views.problem_assign, name="assign"),
    path("<int:pk>/resolve/", views.problem_resolve, name="resolve"),
    path("<int:pk>/refer/", views.problem_refer, name="refer"),
    path("<int:pk>/answer/", views.problem_answer, name="answer"),
    path("<int:pk>/reopen/", views.problem_reopen, name="reopen"),
]
