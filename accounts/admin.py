from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models.constants import LOOKUP_SEP
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from accounts import permissions
from accounts.models import Heartbeat, Unit, UnitAlias, User, UserRole
from accounts.resources import UnitResource
from accounts.services import user_admin_access_sync

admin.site.site_header = _("Qingdan administration")
admin.site.site_title = _("Qingdan")


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


class UserRoleInline(admin.TabularInline):
    model = UserRole
    extra = 1


PRIVILEGE_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")
MENTION_FIELDS = ("mobile", "wecom_userid")


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
        if not request.user.is_superuser:
            fields += [f for f in PRIVILEGE_FIELDS if f not in fields]
        return fields

    def has_change_permission(self, request, obj=None):
        if self._out_of_reach(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if self._out_of_reach(request, obj):
            return False
        return super().has_delete_permission(request, obj)

    @staticmethod
    def _out_of_reach(request, obj) -> bool:
        return (
            obj is not None
            and not request.user.is_superuser
            and (obj.is_superuser or obj.pk == request.user.pk)
        )

    def user_change_password(self, request, id, form_url=""):
        target = self.get_object(request, id)
        if target is not None and not self.has_change_permission(request, target):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user = form.instance
        user.__dict__.pop("role_set", None)
        user_admin_access_sync(user=user)

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
