from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChallengesConfig(AppConfig):
    name = "challenges"
    verbose_name = _("Open calls")

    def ready(self) -> None:
        from accounts.merging import MOVE, MOVE_DEDUP, unit_references_register

        # Merging units: the merged unit's bids and places on calls become the surviving one's.
        unit_references_register(fields=["challenges.Bid.unit"], how=MOVE)
        unit_references_register(
            fields=["challenges.BidSupport.unit", "challenges.CallUnit.unit"], how=MOVE_DEDUP
        )
        from cycles.hooks import claimed_register

        # The ranking's 揭榜 bonus counts the tasks an award of a call created.
        claimed_register(_claimed_expression)


def _claimed_expression():
    from django.db.models import BooleanField, ExpressionWrapper, Q

    return ExpressionWrapper(Q(claimed=True), output_field=BooleanField())
