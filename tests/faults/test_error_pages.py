"""A database that cannot be reached answers a clean 503 in Chinese; other faults stay 500."""

import pytest
from django.test import Client


@pytest.fixture
def client_no_raise(settings):
    settings.ROOT_URLCONF = "tests.faults.urls"
    settings.DEBUG = False
    return Client(raise_request_exception=False)


def test_a_lost_database_connection_answers_503_asking_to_retry(client_no_raise):
    response = client_no_raise.get("/faults/database-gone/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "服务暂时不可用" in page
    assert "没有保存" in page


def test_any_other_error_is_still_the_500_page(client_no_raise):
    response = client_no_raise.get("/faults/bug/")

    assert response.status_code == 500
    assert "服务器出错了" in response.content.decode()
