from django.urls import path

from challenges import views

app_name = "challenges"
urlpatterns = [
    path("", views.index, name="index"),
    path("campaign/<slug:slug>/", views.board, name="board"),
    path("campaign/<slug:slug>/new/", views.call_publish, name="publish"),
    path("calls/<int:pk>/", views.call_detail, name="call"),
    path("calls/<int:pk>/bid/", views.bid_submit, name="bid_submit"),
    path("calls/<int:pk>/close/", views.call_close, name="close"),
    path("bids/<int:pk>/", views.bid_detail, name="bid"),
    path("bids/<int:pk>/withdraw/", views.bid_withdraw, name="bid_withdraw"),
    path("bids/<int:pk>/assess/", views.bid_assess, name="bid_assess"),
    path("bids/<int:pk>/award/", views.bid_award, name="bid_award"),
]
