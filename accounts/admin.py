from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models.constants import LOOKUP_SEP
from django.forms.models import BaseInlineFormSet
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from accounts import permissions
from accounts.forms import AdminLoginForm
from accounts.models import Heartbeat, Lockout, Unit, UnitAlias, User, UserRole, UserSession
from accounts.resources import UnitResource
from accounts.services import user_admin_access_sync
from accounts.services_accounts import account_changes_record, account_snapshot
from accounts.services_logins import lockouts_release, sessions_revoke
from accounts.services_passwords import password_reset_recorded, totp_reset

admin.site.site_header = _("Qingdan administration")
admin.site.site_title = _("Qingdan")
admin.site.login_form = AdminLoginForm


class UnitAliasInline(admin.TabularInline):
    model = UnitAlias
    extra = 1


@admin.register(Unit)
class UnitAdmin(ImportExportModelAdmin):
    """The unit directory; import and export it (with aliases) as .xlsx or .csv."""

    resource_classes = [UnitResource]
    list_display = ["name", "kind", "parent", "active", "order"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "aliases__alias"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["merged_into"]
    inlines = [UnitAliasInline]
    actions = ["merge_two"]

    @admin.action(description=_("Merge the two selected units…"))
    def merge_two(self, request, queryset):
        """Open the merge page with the two units chosen (which one stays is chosen there)."""
        units = list(queryset.order_by("name")[:3])
        if len(units) != 2 or not permissions.can_administer_units(request.user):
            self.message_user(request, _("Select exactly two units."), level=messages.WARNING)
            return None
        return redirect(f"{reverse('unit_merge')}?merged={units[0].pk}&into={units[1].pk}")


@admin.register(UnitAlias)
class UnitAliasAdmin(admin.ModelAdmin):
    list_display = ["alias", "unit"]
    search_fields = ["alias", "unit__name"]
    autocomplete_fields = ["unit"]


class RoleFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        roles = [
            form.cleaned_data["role"]
            for form in self.forms
            if form.cleaned_data.get("role") and not form.cleaned_data.get("DELETE")
        ]
        problem = permissions.role_combination_problem(roles)
        if problem:
            raise ValidationError(problem)


class UserRoleInline(admin.TabularInline):
    model = UserRole
    formset = RoleFormSet
    extra = 1


PRIVILEGE_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")
MENTION_FIELDS = ("mobile", "wecom_userid")
# What a system administrator may correct on an account (for the robots and the mail); the
# rest of the account is the security administrator's (三员分立).
CONTACT_FIELDS = (
    "display_name",
    "email",
    "phone",
    *MENTION_FIELDS,
    "notify_by_email",
    "notify_by_robot",
)
POLICY_FIELDS = ("must_change_password", "password_changed_at", "totp_confirmed_at")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Administrators who are not superusers manage accounts, never privileges: what a person
    may do in /admin/ follows from their roles (``user_admin_access_sync``), superusers are
    out of their reach, and nobody edits their own account here (三员分立)."""

    list_display = ["username", "display_name", "unit", "role_list", "is_active", "last_login"]
    list_filter = ["roles__role", "is_active", "unit__kind"]
    search_fields = ["username", "display_name", "unit__name"]
    autocomplete_fields = ["unit"]
    inlines = [UserRoleInline]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Unit"), {"fields": ("unit", "display_name", "phone")}),
        (_("Notifications"), {"fields": ("notify_by_email", "notify_by_robot")}),
        (_("@-mentions in group robots"), {"fields": MENTION_FIELDS}),
        (_("Login policy"), {"fields": POLICY_FIELDS}),
    )

    def get_fieldsets(self, request, obj=None):
        # The mobile number and WeCom account are there to @ the person and nothing else:
        # system administrators (who set up the robots) see them, a security administrator
        # managing roles does not. The form is built from these fieldsets, so it cannot change
        # what it does not show.
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self._may_see_mention_fields(request):
            return fieldsets
        return [
            (title, options) for title, options in fieldsets if options["fields"] != MENTION_FIELDS
        ]

    def lookup_allowed(self, lookup, value, request=None):
        # Hiding the fields is not enough: a filter in the URL (?mobile__startswith=138) would
        # still tell a number digit by digit from which rows the list shows.
        if lookup.split(LOOKUP_SEP, 1)[0] in MENTION_FIELDS and not (
            request is not None and self._may_see_mention_fields(request)
        ):
            return False
        return super().lookup_allowed(lookup, value, request)

    @staticmethod
    def _may_see_mention_fields(request) -> bool:
        return permissions.can_see_contact_handles(request.user)

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("unit").prefetch_related("roles")
        if not request.user.is_superuser:
            qs = qs.filter(is_superuser=False)
        return qs

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        user = request.user
        if user.is_superuser:
            return [*fields, "password_changed_at", "totp_confirmed_at"]
        fields += [f for f in (*PRIVILEGE_FIELDS, *POLICY_FIELDS) if f not in fields]
        if obj is not None and not permissions.manages_accounts(user):
            # The system administrator: contact fields only; no username, unit or status.
            names = {
                name
                for _title, options in self.get_fieldsets(request, obj)
                for name in options["fields"]
            }
            fields += [f for f in names if f not in CONTACT_FIELDS and f not in fields]
        return fields

    def has_add_permission(self, request):
        return permissions.manages_accounts(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        if self._out_of_reach(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Accounts are deactivated, never deleted (their history points at them); only the
        # installer's superuser may try, and the database refuses once there is history.
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    @staticmethod
    def _out_of_reach(request, obj) -> bool:
        if obj is None or request.user.is_superuser:
            return False
        if obj.is_superuser or obj.pk == request.user.pk:
            return True
        return permissions.manages_accounts(request.user) and not (
            permissions.may_manage_account(request.user, obj)
        )

    def user_change_password(self, request, id, form_url=""):
        target = self.get_object(request, id)
        if target is not None and not permissions.may_set_password(request.user, target):
            raise PermissionDenied
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302 and target is not None:
            password_reset_recorded(by=request.user, user=target, request=request)
        return response

    def save_model(self, request, obj, form, change):
        request._account_before = account_snapshot(obj) if change else {}
        if not change:
            obj.must_change_password = True  # the password was set by an administrator
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user = form.instance
        user.__dict__.pop("role_set", None)
        user_admin_access_sync(user=user)
        account_changes_record(
            by=request.user,
            user=user,
            before=getattr(request, "_account_before", {}),
            request=request,
        )

    actions = ["second_factor_reset", "sessions_end"]

    @admin.action(description=_("Reset the second factor (lost phone)"))
    def second_factor_reset(self, request, queryset):
        for user in queryset:
            if not permissions.may_manage_account(request.user, user):
                raise PermissionDenied
        for user in queryset:
            totp_reset(by=request.user, user=user, request=request)
        self.message_user(request, _("The second factor was reset."), messages.SUCCESS)

    @admin.action(description=_("End all their sessions"))
    def sessions_end(self, request, queryset):
        for user in queryset:
            if not permissions.may_manage_account(request.user, user):
                raise PermissionDenied
        rows = UserSession.objects.filter(user__in=queryset, ended_at__isnull=True)
        count = sessions_revoke(
            by=request.user, sessions=rows.select_related("user"), request=request
        )
        self.message_user(request, _("%(n)d sessions ended.") % {"n": count}, messages.SUCCESS)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not permissions.manages_accounts(request.user):
            actions.pop("second_factor_reset", None)
            actions.pop("sessions_end", None)
        return actions

    @admin.display(description=_("roles"))
    def role_list(self, obj):
        return "、".join(str(role) for role in obj.roles.all())


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "at", "count"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Lockout)
class LockoutAdmin(admin.ModelAdmin):
    """Locked usernames and addresses; the security administrator releases them."""

    list_display = ["scope", "key", "failures", "locked_at", "until", "released_at", "released_by"]
    list_filter = ["scope"]
    search_fields = ["key"]
    actions = ["release"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Lockout._meta.fields]

    @admin.action(description=_("Release: allow logging in again now"), permissions=["change"])
    def release(self, request, queryset):
        count = lockouts_release(by=request.user, lockouts=queryset, request=request)
        self.message_user(request, _("%(n)d locks released.") % {"n": count}, messages.SUCCESS)


@admin.register(UserSession)
class UserSessionAdmin(admin.ModelAdmin):
    """Signed-in sessions of everyone; the security administrator ends them."""

    list_display = ["user", "ip", "user_agent", "started_at", "seen_at", "ended_at", "end_reason"]
    list_filter = ["end_reason"]
    search_fields = ["user__username", "user__display_name", "ip"]
    list_select_related = ["user"]
    actions = ["end"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in UserSession._meta.fields]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if not request.user.is_superuser:
            qs = qs.exclude(user__is_superuser=True).exclude(user=request.user)
        return qs

    @admin.action(description=_("End these sessions now"), permissions=["change"])
    def end(self, request, queryset):
        count = sessions_revoke(by=request.user, sessions=queryset, request=request)
        self.message_user(request, _("%(n)d sessions ended.") % {"n": count}, messages.SUCCESS)
