from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChallengesConfig(AppConfig):
    name = "challenges"
    verbose_name = _("Open calls")

    def ready(self) -> None:
        from cycles.hooks import claimed_register

        # The ranking's 揭榜 bonus counts the tasks an award of a call created.
        claimed_register(_claimed_expression)


def _claimed_expression():
    from django.db.models import BooleanField, ExpressionWrapper, Q

    return ExpressionWrapper(Q(claimed=True), output_field=BooleanField())
