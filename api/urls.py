"""/api/v1/: the router every resource module registers on, the schema and its docs.

To add resources: a module that calls ``api.base.register(...)`` at import, named below."""

from importlib import import_module

from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from api.base import router

ROUTE_MODULES = [
    "api.views.directory",
    "api.views.tasks",
    "api.views.reports",
    "api.views.requests",
]

for _module in ROUTE_MODULES:
    import_module(_module)

app_name = "v1"
urlpatterns = [
    # The schema describes every endpoint: like them it is for signed-in people (token or session).
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        login_required(
            # The split view serves its start-up script as a file (the CSP allows no inline one).
            SpectacularSwaggerSplitView.as_view(url_name="v1:schema")
        ),
        name="docs",
    ),
    path(
        "redoc/",
        login_required(
            SpectacularRedocView.as_view(url_name="v1:schema", template_name="api/redoc.html")
        ),
        name="redoc",
    ),
    path("", include(router.urls)),
]
