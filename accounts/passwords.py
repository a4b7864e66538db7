"""Password rules beyond Django's own (等保 level 3): at least three kinds of character, and none
of a person's last passwords again. Their messages are in Chinese through the catalogue."""

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def character_classes(password: str) -> int:
    """How many of: lower-case letters, capitals, digits, anything else (symbols, Chinese)."""
    return sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() or not c.isascii() for c in password),
        )
    )


class CharacterClassesValidator:
    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        if character_classes(password) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self):
        return _(
            "Your password must mix at least %(n)d of: lower-case letters, capital letters, "
            "digits, symbols."
        ) % {"n": self.min_classes}


class PasswordHistoryValidator:
    """Not the current password nor any of the ``keep`` before it."""

    def __init__(self, keep: int = 5):
        self.keep = keep

    def validate(self, password, user=None):
        if user is None or not getattr(user, "pk", None):
            return
        hashes = [user.password] if user.password else []
        hashes += list(
            user.password_history.order_by("-at", "-id").values_list("password", flat=True)[
                : self.keep
            ]
        )
        if any(check_password(password, encoded) for encoded in hashes):
            raise ValidationError(self.get_help_text(), code="password_reused")

    def password_changed(self, password, user=None):
        """Django calls this when a password was saved: remember its hash, keep ``keep``."""
        if user is None or not getattr(user, "pk", None):
            return
        user.password_history.create(password=user.password)
        stale = user.password_history.order_by("-at", "-id").values_list("pk", flat=True)[
            self.keep :
        ]
        user.password_history.filter(pk__in=list(stale)).delete()

    def get_help_text(self):
        return ngettext(
            "Your password must differ from your last password.",
            "Your password must differ from your last %(n)d passwords.",
            self.keep,
        ) % {"n": self.keep}


def password_max_age_days() -> int:
    return settings.PASSWORD_MAX_AGE_DAYS
