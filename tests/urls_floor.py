"""Another URL configuration, for tests/test_request_floor.py: ``{% url %}`` must follow it."""

from django.http import HttpResponse
from django.urls import include, path


def _page(request):
    return HttpResponse()


urlpatterns = [
    path("elsewhere/", include(([path("mine/", _page, name="mine")], "tasks"))),
]
