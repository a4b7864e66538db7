from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiplusConfig(AppConfig):
    """API v1 resources of the cycles, imports and exports (see ``apiplus/urls.py``)."""

    name = "apiplus"
    verbose_name = _("API: cycles, imports and exports")
