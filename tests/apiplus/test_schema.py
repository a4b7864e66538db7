"""Every route of these resources is in the OpenAPI schema, with its parameters and bodies."""

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from apiplus import urls


def test_every_route_is_described():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = schema["paths"]
    for pattern in urls.urlpatterns:
        path = "/api/v1/" + str(pattern.pattern).replace("<slug:slug>", "{slug}").replace(
            "<int:pk>", "{id}"
        )
        assert path in paths, path
    rate = paths["/api/v1/reviews/{id}/rate/"]["post"]
    assert rate["requestBody"] and "200" in rate["responses"]
    items = {p["name"] for p in paths["/api/v1/reviews/{id}/items/"]["get"]["parameters"]}
    assert {"unit", "proposed", "rating", "q", "page"} <= items
    upload = paths["/api/v1/campaigns/{slug}/imports/"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]


@pytest.mark.django_db
def test_the_schema_is_for_signed_in_people(client, world):
    assert client.get(reverse("api-schema")).status_code in (401, 403)
