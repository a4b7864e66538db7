from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FormTokensConfig(AppConfig):
    name = "formtokens"
    verbose_name = _("Form submissions")
