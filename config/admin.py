"""What the administration site shows for reference and never writes: records that only their
app's services write, leaving history (a change made here would leave none). Each app's admin
builds on these two classes; the admins that do write (tasks, accounts, units, robots …) save
through the services themselves."""

from django.contrib import admin


class ViewOnlyAdmin(admin.ModelAdmin):
    """A model the admin lists and shows, and never adds, changes or deletes."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ViewOnlyInline(admin.TabularInline):
    """Rows shown under their parent (its history, supports, evidence), never written there."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
