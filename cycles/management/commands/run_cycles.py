import datetime
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cycles.services import cycles_run


class Command(BaseCommand):
    help = (
        "Do what the weekly dispatch and the monthly sign-off owe at an instant (default: now). "
        "Safe to run any number of times."
    )

    def add_arguments(self, parser):
        parser.add_argument("--at", help="ISO date-time, e.g. 2026-11-23T09:05 (local time)")

    def handle(self, *args, at=None, **options):
        now = timezone.now()
        if at:
            try:
                now = datetime.datetime.fromisoformat(at)
            except ValueError as error:
                raise CommandError(f"--at: not an ISO date-time: {at}") from error
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        summary = cycles_run(now=now)
        self.stdout.write(json.dumps(summary.as_dict()))
