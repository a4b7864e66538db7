from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from accounts.validators import validate_mobile, validate_wecom_userid
from config.history import AppendOnlyQuerySet
from config.prepared import Prepared


class Unit(models.Model):
    """A government body. Units form a tree: city › district › bureau / town › community."""

    class Kind(models.TextChoices):
        CITY = "city", _("City")
        DISTRICT = "district", _("District")
        # 职能部门: the government's bureaus, offices and centres (the default).
        BUREAU = "bureau", _("Functional department")
        TOWN = "town", _("Town / sub-district")
        COMMUNITY = "community", _("Community")
        PARTY = "party", _("Party organ")
        # 监督机关: 纪委监委 and the like. They oversee the others' work and never lead a task
        # (accounts.permissions.unit_may_lead); problems are referred to them.
        SUPERVISION = "supervision", _("Supervisory body")
        ENTERPRISE = "enterprise", _("Enterprise")
        OTHER = "other", _("Other")

    name = models.CharField(_("full name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.BUREAU)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    # Set when the unit was merged into another (accounts.merging): it stays, inactive, so that
    # history naming it still reads; its name became an alias of the unit it was merged into.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_units",
    )

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["order", "name"]

    def __str__(self):
        return self.name


class UnitAlias(models.Model):
    """Another name a unit goes by in published lists (区住建局 for 区住房城乡建设局)."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="aliases"
    )
    alias = models.CharField(_("alias"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("unit alias")
        verbose_name_plural = _("unit aliases")
        ordering = ["alias"]

    def __str__(self):
        return self.alias


class UnitMergeQuerySet(AppendOnlyQuerySet):
    pass


class UnitMerge(models.Model):
    """Append-only record of a merge of two units (单位合并): which unit was merged into which,
    by whom and when, and how many rows of each kind moved (or stayed with the merged unit
    because the surviving one had the same row already)."""

    merged = models.ForeignKey(
        Unit, verbose_name=_("merged unit"), on_delete=models.PROTECT, related_name="+"
    )
    merged_name = models.CharField(_("name of the merged unit"), max_length=100)
    into = models.ForeignKey(
        Unit, verbose_name=_("merged into"), on_delete=models.PROTECT, related_name="+"
    )
    by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"))
    moved = models.JSONField(_("rows moved"), default=dict, blank=True)
    kept = models.JSONField(_("rows kept with the merged unit"), default=dict, blank=True)

    objects = UnitMergeQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit merge")
        verbose_name_plural = _("unit merges")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.merged_name} → {self.into}"

    @property
    def rows_moved(self) -> int:
        return sum(self.moved.values())


class Role(models.TextChoices):
    STAFF = "staff", _("Unit staff")
    HEAD = "head", _("Unit head")
    COORDINATOR = "coordinator", _("Coordinator")
    LEADER = "leader", _("Leader")
    # 督查组: verifies the units' answers in inspection rounds (inspections/permissions.py).
    INSPECTOR = "inspector", _("Inspection group")
    AUDITOR = "auditor", _("Auditor")
    SYSADMIN = "sysadmin", _("System administrator")
    SECADMIN = "secadmin", _("Security administrator")


BUSINESS_ROLES = frozenset({Role.STAFF, Role.HEAD, Role.COORDINATOR, Role.LEADER, Role.INSPECTOR})

# A handle belongs to one person (User's constraints; the settings service says it first).
HANDLE_TAKEN = {
    "mobile": _(
        "This mobile number is registered to another person. If it is yours, ask the "
        "system administrator."
    ),
    "wecom_userid": _(
        "This WeCom account is registered to another person. If it is yours, ask the "
        "system administrator."
    ),
}


class User(AbstractUser):
    """A person. Belongs to one unit and holds one or more roles (see ``UserRole``)."""

    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    display_name = models.CharField(_("name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    # Only for @-mentioning the person in group robots (DingTalk by mobile, WeCom by account).
    # Shown to the person and to system administrators, on no other page.
    mobile = models.CharField(
        _("mobile number"),
        max_length=11,
        blank=True,
        validators=[validate_mobile],
        help_text=_("Used only to @ the person in DingTalk group robots."),
    )
    wecom_userid = models.CharField(
        _("WeCom account"),
        max_length=64,
        blank=True,
        validators=[validate_wecom_userid],
        help_text=_(
            "The person's account (userid) in WeCom's address book, used only to @ them in "
            "WeCom group robots."
        ),
    )
    # The channels a person chose besides the in-app notice, which is always on (通知设置).
    notify_by_email = models.BooleanField(_("notices by email"), default=True)
    notify_by_robot = models.BooleanField(_("notices in group robots"), default=True)
    # Login policy (accounts/services_passwords.py, accounts/middleware.py).
    must_change_password = models.BooleanField(
        _("must change password at next login"),
        default=False,
        help_text=_("Set when an administrator sets the password."),
    )
    password_changed_at = models.DateTimeField(_("password changed"), null=True, blank=True)
    # The second factor (TOTP, RFC 6238) of administrators; never shown again once confirmed.
    totp_secret = models.CharField(max_length=64, blank=True, editable=False)
    totp_confirmed_at = models.DateTimeField(
        _("second factor set up"), null=True, blank=True, editable=False
    )
    totp_last_step = models.BigIntegerField(default=0, editable=False)  # a code works once

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        # One person per handle: nobody can have a robot @ someone else on their notices by
        # typing that person's number or account (or two people share one by mistake).
        constraints = [
            models.UniqueConstraint(
                fields=["mobile"],
                condition=~models.Q(mobile=""),
                name="user_mobile_unique",
                violation_error_message=HANDLE_TAKEN["mobile"],
            ),
            models.UniqueConstraint(
                fields=["wecom_userid"],
                condition=~models.Q(wecom_userid=""),
                name="user_wecom_userid_unique",
                violation_error_message=HANDLE_TAKEN["wecom_userid"],
            ),
        ]

    def __str__(self):
        return self.display_name or self.get_full_name() or self.username

    @cached_property
    def role_set(self) -> frozenset[str]:
        if not self.pk:
            return frozenset()
        return frozenset(_ROLES_OF.rows(user=self.pk))

    def has_role(self, *roles: str) -> bool:
        return any(role in self.role_set for role in roles)

    @property
    def has_business_role(self) -> bool:
        return bool(self.role_set & BUSINESS_ROLES)


class UserRole(models.Model):
    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="roles"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="userrole_unique_per_user"),
        ]

    def __str__(self):
        return self.get_role_display()


class Heartbeat(models.Model):
    """When each background process last proved it was alive (shown on /healthz)."""

    name = models.CharField(max_length=50, primary_key=True)
    at = models.DateTimeField()
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self):
        return f"{self.name} @ {self.at:%Y-%m-%d %H:%M:%S}"


class PasswordHistory(models.Model):
    """The hashes of a person's last passwords, so that a new one cannot repeat them."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("previous password")
        verbose_name_plural = _("previous passwords")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.user_id} @ {self.at:%Y-%m-%d}"


class LoginFailure(models.Model):
    """One failed login (wrong password or second factor), counted for the lockout. The audit
    trail keeps the record; these rows are only the counter and are cleared by a success."""

    username = models.CharField(max_length=150, db_index=True)  # as typed, lower case
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("failed login")
        verbose_name_plural = _("failed logins")

    def __str__(self):
        return f"{self.username} {self.ip} {self.at:%Y-%m-%d %H:%M:%S}"


class Lockout(models.Model):
    """A username or an address that may not log in until ``until`` (or a release)."""

    class Scope(models.TextChoices):
        USERNAME = "username", _("Username")
        ADDRESS = "ip", _("Address")

    scope = models.CharField(_("locked"), max_length=10, choices=Scope.choices)
    key = models.CharField(_("username or address"), max_length=150)
    failures = models.PositiveIntegerField(_("failed attempts"), default=0)
    locked_at = models.DateTimeField(_("locked at"), default=timezone.now)
    until = models.DateTimeField(_("locked until"))
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    released_by = models.ForeignKey(
        User,
        verbose_name=_("released by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("lockout")
        verbose_name_plural = _("lockouts")
        ordering = ["-locked_at"]
        indexes = [models.Index(fields=["scope", "key", "until"])]

    def __str__(self):
        return f"{self.get_scope_display()} {self.key}"


class UserSession(models.Model):
    """A signed-in session of a person, listed on 登录会话 and revocable there or by the
    security administrator."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="sessions"
    )
    session_key = models.CharField(max_length=40, unique=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)
    started_at = models.DateTimeField(_("signed in"), default=timezone.now)
    seen_at = models.DateTimeField(_("last active"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    end_reason = models.CharField(_("why it ended"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.user_id} {self.started_at:%Y-%m-%d %H:%M}"


# A person's roles, read on every request (the menu, every permission): the statement is
# compiled once per process (config/prepared.py), the roles read afresh each time.
_ROLES_OF = Prepared(
    lambda values: UserRole.objects.filter(user_id=values["user"]).values_list("role", flat=True)
)
