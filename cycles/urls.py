from django.urls import path

from cycles import ranking_views, views

app_name = "cycles"
urlpatterns = [
    path("campaign/<slug:slug>/", views.campaign_cycles, name="campaign"),
    path("campaign/<slug:slug>/schedule/", views.schedule_edit, name="schedule"),
    path("campaign/<slug:slug>/formula/", ranking_views.formula_edit, name="formula"),
    path("rounds/<int:pk>/", views.round_bulletin, name="round"),
    path("reviews/<int:pk>/", views.review_page, name="review"),
    path("reviews/<int:pk>/rate/", views.review_rate, name="review_rate"),
    path("reviews/<int:pk>/confirm-all/", views.review_confirm_all, name="review_confirm_all"),
    path("reviews/<int:pk>/certify/", views.review_certify, name="review_certify"),
    path("reviews/<int:pk>/bulletin/", views.review_bulletin, name="review_bulletin"),
    path("reviews/<int:pk>/ranking/", ranking_views.ranking, name="ranking"),
    path("reviews/<int:pk>/ranking/<int:unit>/", ranking_views.unit_score, name="unit_score"),
]
