"""API v1 resources of the cycles, imports and exports, under /api/v1/ beside the API's own
routes (config/urls.py). Names are in the ``apiplus`` namespace."""

from django.urls import path

from apiplus.views import bulletins, exports, imports, reviews, rounds

app_name = "apiplus"
urlpatterns = [
    path("campaigns/<slug:slug>/rounds/", rounds.CampaignRoundList.as_view(), name="rounds"),
    path("rounds/<int:pk>/", rounds.RoundBulletin.as_view(), name="round"),
    path("rounds/<int:pk>/bulletin.xlsx", exports.RoundBulletinExport.as_view(), name="round_xlsx"),
    path("owed/", rounds.Owed.as_view(), name="owed"),
    path("owed.xlsx", exports.OwedSheet.as_view(), name="owed_xlsx"),
    path("campaigns/<slug:slug>/reviews/", reviews.CampaignReviewList.as_view(), name="reviews"),
    path("reviews/<int:pk>/", reviews.ReviewDetail.as_view(), name="review"),
    path("reviews/<int:pk>/items/", reviews.ReviewItemList.as_view(), name="review_items"),
    path("reviews/<int:pk>/rate/", reviews.ReviewRate.as_view(), name="review_rate"),
    path("reviews/<int:pk>/certify/", reviews.ReviewCertify.as_view(), name="review_certify"),
    path("reviews/<int:pk>/bulletin/", bulletins.MonthlyBulletin.as_view(), name="review_bulletin"),
    path(
        "reviews/<int:pk>/bulletin.xlsx",
        exports.MonthlyBulletinExport.as_view(),
        name="review_bulletin_xlsx",
    ),
    path("reviews/<int:pk>/ranking/", bulletins.Ranking.as_view(), name="ranking"),
    path("reviews/<int:pk>/ranking.xlsx", exports.RankingExport.as_view(), name="ranking_xlsx"),
    path(
        "campaigns/<slug:slug>/lists/<int:pk>/export.xlsx",
        exports.ListExport.as_view(),
        name="list_xlsx",
    ),
    path("campaigns/<slug:slug>/imports/", imports.ImportUpload.as_view(), name="imports"),
    path("campaigns/<slug:slug>/imports/<int:pk>/", imports.ImportDetail.as_view(), name="import"),
    path(
        "campaigns/<slug:slug>/imports/<int:pk>/rows/",
        imports.ImportRows.as_view(),
        name="import_rows",
    ),
    path(
        "campaigns/<slug:slug>/imports/<int:pk>/status/",
        imports.ImportStatus.as_view(),
        name="import_status",
    ),
    path(
        "campaigns/<slug:slug>/imports/<int:pk>/confirm/",
        imports.ImportConfirm.as_view(),
        name="import_confirm",
    ),
]
