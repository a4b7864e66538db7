from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self):
        from accounts.merging import MOVE, unit_references_register

        # Merging units: a campaign organised by the merged unit is organised by the other.
        unit_references_register(fields=["campaigns.Campaign.organiser"], how=MOVE)
