import pytest
from rest_framework.test import APIClient

from api.services import token_create


def token_for(user, scope="write", **kwargs) -> str:
    return token_create(user=user, by=user, name=f"{user.username}-{scope}", scope=scope, **kwargs)[
        1
    ]


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def api_as():
    """``api_as(user, scope="write")``: an API client holding a new token of ``user``."""

    def make(user, scope="write"):
        return client_with(token_for(user, scope))

    return make
