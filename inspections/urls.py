from django.urls import path

from inspections import views

app_name = "inspections"
urlpatterns = [
    path("", views.index, name="index"),
    path("open/<int:list_pk>/", views.round_open, name="round_open"),
    path("rounds/<int:pk>/", views.round_matrix, name="round"),
    path("rounds/<int:pk>/close/", views.round_close, name="round_close"),
    path("rounds/<int:pk>/mine/", views.unit_round, name="unit_round"),
    path("answers/<int:pk>/", views.answer_detail, name="answer"),
    path("answers/<int:pk>/submit/", views.answer_submit, name="answer_submit"),
    path("answers/<int:pk>/verify/", views.answer_verify, name="answer_verify"),
    path("files/<int:pk>/", views.answer_file, name="file"),
]
