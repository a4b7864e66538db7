from django.contrib import admin

from campaigns.models import Campaign, Category, TaskList


class TaskListInline(admin.TabularInline):
    model = TaskList
    fields = ["name", "kind", "order", "source_document"]
    extra = 0
    show_change_link = True


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "year", "organiser", "status", "start_date", "end_date"]
    list_filter = ["status", "year"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["organiser", "coordinators"]
    inlines = [TaskListInline]
    fieldsets = (
        (None, {"fields": ("name", "slug", "year", "organiser", "coordinators", "description")}),
        (
            None,
            {
                "fields": (
                    "start_date",
                    "end_date",
                    "status",
                    "requires_head_confirmation",
                    "acknowledge_within_hours",
                )
            },
        ),
        (
            "调度",
            {
                "fields": (
                    "dispatch_enabled",
                    ("dispatch_weekday", "dispatch_time"),
                    ("report_due_weekday", "report_due_time"),
                    "reminder_hours_before_due",
                    "schedule_timezone",
                    "followup_months",
                )
            },
        ),
    )


class CategoryInline(admin.TabularInline):
    model = Category
    extra = 0


@admin.register(TaskList)
class TaskListAdmin(admin.ModelAdmin):
    list_display = ["name", "campaign", "kind", "order"]
    list_filter = ["kind", "campaign"]
    search_fields = ["name"]
    inlines = [CategoryInline]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "task_list", "order"]
    list_filter = ["task_list__campaign"]
    search_fields = ["name"]
