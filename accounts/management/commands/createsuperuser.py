"""Django's createsuperuser, on record: the installer's account is the one way in that no
administrator's page creates, so its creation is an audit row like any account's."""

from django.contrib.auth.management.commands import createsuperuser

from accounts.models import User
from audit.models import AuditEvent
from audit.services import audit_record


class Command(createsuperuser.Command):
    def handle(self, *args, **options):
        before = set(User.objects.filter(is_superuser=True).values_list("pk", flat=True))
        super().handle(*args, **options)
        for user in User.objects.filter(is_superuser=True).exclude(pk__in=before):
            audit_record(
                kind=AuditEvent.Kind.ACCOUNT_CHANGED,
                target=f"user:{user.pk} {user.get_username()}",
                detail={"created": True, "superuser": True, "by": "createsuperuser"},
            )
