from django.conf import settings
from django.core.management.base import BaseCommand

from demo.services import demo_load


class Command(BaseCommand):
    help = "Build the demo campaigns, units, logins and history. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password", default=None, help="demo password (default: DEMO_PASSWORD)"
        )

    def handle(self, *args, password=None, **options):
        result = demo_load(password=password or settings.DEMO_PASSWORD)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready: {result.units} units, {result.users} demo logins, "
                f"{result.tasks_created} tasks created this run."
            )
        )
