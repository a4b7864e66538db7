import json

from django.core.management.base import BaseCommand, CommandError

from campaigns.models import Campaign
from cockpit.services import snapshots_backfill


class Command(BaseCommand):
    help = (
        "Store the weekly snapshots (the cockpit's trend) of every past week that has none, "
        "reconstructed from the history. Weeks already stored are left alone: safe to run "
        "any number of times."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--campaign", action="append", help="slug (repeatable); default: every campaign"
        )

    def handle(self, *args, campaign=None, **options):
        campaigns = Campaign.objects.order_by("pk")
        if campaign:
            campaigns = campaigns.filter(slug__in=campaign)
            missing = set(campaign) - set(campaigns.values_list("slug", flat=True))
            if missing:
                raise CommandError(f"no such campaign: {', '.join(sorted(missing))}")
        stored = {c.slug: snapshots_backfill(campaign=c) for c in campaigns}
        self.stdout.write(json.dumps(stored, ensure_ascii=False))
