"""Django's changepassword, on record, and the person must choose their own at next login."""

import getpass

from django.contrib.auth.management.commands import changepassword
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from audit.services import audit_record


class Command(changepassword.Command):
    def handle(self, *args, **options):
        result = super().handle(*args, **options)
        user = User.objects.get(username=options["username"] or getpass.getuser())
        User.objects.filter(pk=user.pk).update(
            must_change_password=True, password_changed_at=timezone.now()
        )
        audit_record(
            kind=AuditEvent.Kind.PASSWORD_RESET,
            target=f"user:{user.pk} {user.get_username()}",
            detail={"by": "changepassword"},
        )
        return result
