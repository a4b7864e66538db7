"""The API's settings (README "API"): the defaults every /api/v1/ viewset plugs into (api/base.py):
token or session (with CSRF) authentication, the token's scope, throttles per token and per user,
one error shape, cursor pagination; and the OpenAPI schema's."""

from typing import Any

import environ


def api_settings(env: environ.Env) -> dict[str, Any]:
    rest_framework = {
        "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
        "DEFAULT_AUTHENTICATION_CLASSES": [
            "api.auth.ApiTokenAuthentication",
            "rest_framework.authentication.SessionAuthentication",
        ],
        "DEFAULT_PERMISSION_CLASSES": [
            "rest_framework.permissions.IsAuthenticated",
            "api.auth.TokenScope",
        ],
        "DEFAULT_THROTTLE_CLASSES": [
            "api.throttling.PerTokenThrottle",
            "api.throttling.PerUserThrottle",
        ],
        "DEFAULT_THROTTLE_RATES": {
            "api_token": env.str("API_THROTTLE_TOKEN", default="600/min"),
            "api_user": env.str("API_THROTTLE_USER", default="1200/min"),
        },
        "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
        "PAGE_SIZE": 50,
        "EXCEPTION_HANDLER": "api.errors.exception_handler",
        "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    }
    spectacular = {
        "TITLE": "清单 Qingdan API",
        "DESCRIPTION": (
            "Reform-campaign task lists. Authenticate with `Authorization: Bearer <token>` "
            "(personal tokens: 我的 API 令牌) or the browser session. Every 4xx answers "
            '`{"code", "message", "fields"}`.'
        ),
        "VERSION": "1.0.0",
        "SERVE_INCLUDE_SCHEMA": False,
        "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
        "SWAGGER_UI_DIST": "SIDECAR",
        "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
        "REDOC_DIST": "SIDECAR",
        "COMPONENT_SPLIT_REQUEST": True,
        "ENUM_NAME_OVERRIDES": {
            "TaskStatusEnum": "tasks.models.Task.Status",
            "CampaignStatusEnum": "campaigns.models.Campaign.Status",
            "ListKindEnum": "campaigns.models.TaskList.Kind",
            "UnitKindEnum": "accounts.models.Unit.Kind",
            "RequestKindEnum": "tasks.models.TaskRequest.Kind",
            "RequestStatusEnum": "tasks.models.TaskRequest.Status",
            # One name per choice set that several resources share (apiplus: reviews, imports).
            "ReviewStatusEnum": "cycles.models.MonthlyReview.Status",
            "ImportStatusEnum": "campaigns.models.ListImport.Status",
            "RatingEnum": "cycles.models.Rating",
        },
    }
    return {
        "REST_FRAMEWORK": rest_framework,
        "SPECTACULAR_SETTINGS": spectacular,
    }
