"""Views that fail the ways the fault drills make real views fail."""

from django.db import IntegrityError, OperationalError
from django.urls import path

from config.urls import urlpatterns as app_urls


def database_gone(request):
    raise OperationalError("server closed the connection unexpectedly")


def a_bug(request):
    raise IntegrityError("duplicate key value violates unique constraint")


handler500 = "config.errors.server_error"
urlpatterns = [
    path("faults/database-gone/", database_gone),
    path("faults/bug/", a_bug),
    *app_urls,
]
