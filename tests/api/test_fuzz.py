"""Schemathesis over every operation of /api/v1/, in-process (WSGI), for several roles with
write tokens: no 5xx, every response conforms to the schema, malformed input answers 4xx.

Bounded: a few examples per operation and role, no shrinking, derandomised (the same cases on
every run), so the module stays well under a minute."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, settings
from schemathesis import DataGenerationMethod
from schemathesis.checks import (
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
)

from api.services import token_create
from tests.api.test_matrix import scene as matrix_scene

ROLES = ("lead", "head", "coord", "leader", "auditor")
scene = matrix_scene


@pytest.fixture(autouse=True)
def media_in_tmp(module_db):
    """The scene's files stay in the module's media folder."""


@pytest.fixture(scope="module")
def api_schema(module_db):
    raw = SchemaGenerator(patterns=None).get_schema(request=None, public=True)
    raw = {**raw, "paths": {p: v for p, v in raw["paths"].items() if p.startswith("/api/v1/")}}
    return schemathesis.from_dict(
        raw,
        app=get_wsgi_application(),
        data_generation_methods=[DataGenerationMethod.positive, DataGenerationMethod.negative],
    )


schema = schemathesis.from_pytest_fixture("api_schema")


@pytest.fixture(scope="module")
def tokens(scene):
    return {
        role: token_create(
            user=scene.users[role], by=scene.users[role], name="fuzz", scope="write"
        )[1]
        for role in ROLES
    }


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=2,
    derandomize=True,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_the_api_holds_for_any_input(case, tokens, settings_override):
    checks = [not_a_server_error, response_schema_conformance]
    if case.data_generation_method == DataGenerationMethod.negative:
        checks.append(negative_data_rejection)
    # Each generated case is sent once per role (pytest cannot parametrise the lazy schema).
    for role in ROLES:
        response = case.call_wsgi(headers={"Authorization": f"Bearer {tokens[role]}"})
        case.validate_response(response, checks=tuple(checks))


@pytest.fixture
def settings_override(settings):
    """Any host, no throttle, and the test's database connection kept open between requests:
    the raw WSGI handler closes it after each one (Django's test client disconnects that
    signal the same way), which would end the test's transaction on PostgreSQL."""
    settings.ALLOWED_HOSTS = ["*"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_token": None, "api_user": None},
    }
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
