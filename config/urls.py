from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView, TemplateView
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import DefaultRouter

from accounts import views as account_views
from api import unversioned as api

router = DefaultRouter()
router.register("campaigns", api.CampaignViewSet, basename="campaign")
router.register("tasks", api.TaskViewSet, basename="task")

# A database that cannot be reached answers 503, not 500 (config/errors.py).
handler500 = "config.errors.server_error"

urlpatterns = [
    path("", account_views.home, name="home"),
    path("healthz", account_views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page says (downloads, the admin, the API).
    path("favicon.ico", RedirectView.as_view(url=static("favicon.ico")), name="favicon"),
    path("accounts/", include("accounts.urls")),
    path("accounts/notifications/", include("notifications.urls")),
    path("accounts/notifications/webhooks/", include("webhooks.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("tasks/", include("tasks.urls")),
    path("cycles/", include("cycles.urls")),
    path("measures/", include("measures.urls")),
    path("inspections/", include("inspections.urls")),
    path("reporting/", include("reporting.urls")),
    path("challenges/", include("challenges.urls")),
    path("problems/", include("problems.urls")),
    path("exports/", include("exports.urls")),
    path("cockpit/", include("cockpit.urls")),
    path("audit/", include("audit.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("api.urls")),
    path("accounts/api-tokens/", include("api.page_urls")),
    path("api/v1/", include("apiplus.urls")),
    path("api/", include(router.urls)),
    # The schema describes every endpoint: like the endpoints, it is for signed-in people.
    path(
        "api/schema/",
        SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]),
        name="api-schema",
    ),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns.append(path("400/", TemplateView.as_view(template_name="400.html")))
