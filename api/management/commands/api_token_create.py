"""``python manage.py api_token_create USERNAME [--scope read|write] [--expires-days N]
[--name TEXT]``: a token for scripts and automation, printed once."""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from api.models import ApiToken
from api.services import token_create
from config.errors import RuleViolation


class Command(BaseCommand):
    help = "Create an API token for USERNAME and print it once (it is stored hashed)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--scope", choices=["read", "write"], default="read")
        parser.add_argument("--expires-days", type=int, default=90)
        parser.add_argument("--name", default="命令行创建")

    def handle(self, *args, **options):
        try:
            user = User.objects.get(username=options["username"], is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"没有启用的用户 {options['username']}") from None
        try:
            # The operator at the console acts for the account itself (a personal token).
            row, token = token_create(
                user=user,
                by=user,
                name=options["name"],
                scope=ApiToken.Scope(options["scope"]),
                expires_days=options["expires_days"],
            )
        except RuleViolation as refusal:
            raise CommandError(str(refusal.message)) from None
        self.stdout.write(token)
        self.stderr.write(
            f"令牌“{row.name}”（{row.get_scope_display()}）已创建，到期：{row.expires_at:%Y-%m-%d}。"
            "它只显示这一次。"
        )
