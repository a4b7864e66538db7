from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CockpitConfig(AppConfig):
    name = "cockpit"
    verbose_name = _("Leaders' cockpit")

    def ready(self):
        from cockpit.services.snapshots import snapshot_after_round_close
        from cycles.hooks import after_round_close_register

        # cycles knows nothing of the cockpit: the weekly snapshot joins the round's close here.
        after_round_close_register(snapshot_after_round_close)
