import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.fields import JSONText
from config.history import AppendOnlyQuerySet


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class Campaign(models.Model):
    """A time-boxed reform drive run by a coordinating office (行动 / 活动)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        FINISHED = "finished", _("Finished")
        ARCHIVED = "archived", _("Archived")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name in URLs"), max_length=60, unique=True)
    year = models.PositiveSmallIntegerField(_("year"))
    organiser = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("organiser"),
        on_delete=models.PROTECT,
        related_name="organised_campaigns",
    )
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("coordinators"),
        blank=True,
        related_name="coordinated_campaigns",
    )
    description = models.TextField(_("description"), blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    requires_head_confirmation = models.BooleanField(_("unit heads confirm reports"), default=False)

    # The weekly dispatch (一周一调度): a round opens, reports fall due, a reminder goes.
    dispatch_enabled = models.BooleanField(_("weekly dispatch on"), default=True)
    dispatch_weekday = models.PositiveSmallIntegerField(
        _("round opens on"), choices=Weekday.choices, default=Weekday.MONDAY
    )
    dispatch_time = models.TimeField(_("round opens at"), default=datetime.time(9, 0))
    report_due_weekday = models.PositiveSmallIntegerField(
        _("reports due on"), choices=Weekday.choices, default=Weekday.THURSDAY
    )
    report_due_time = models.TimeField(_("reports due at"), default=datetime.time(17, 0))
    reminder_hours_before_due = models.PositiveSmallIntegerField(
        _("second reminder, hours before due"),
        default=24,
        validators=[MaxValueValidator(24 * 6)],
    )
    schedule_timezone = models.CharField(
        _("time zone of the schedule"), max_length=50, default="Asia/Shanghai"
    )
    followup_months = models.PositiveSmallIntegerField(
        _("follow-up after close-out, months"), default=3
    )
    # 签收: a task that reaches a unit (import, transfer, award, rectification) is to be
    # acknowledged by its lead unit within this many hours; after that it is flagged and the
    # unit reminded once.
    acknowledge_within_hours = models.PositiveSmallIntegerField(
        _("acknowledge within, hours"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 30)],
        help_text=_("A unit that has not acknowledged a task handed to it by then is reminded."),
    )

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-year", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="campaign_end_after_start",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_archived(self) -> bool:
        """Archived: read-only, out of the rounds, the campaign list and 我的任务 by default."""
        return self.status == self.Status.ARCHIVED


class CampaignEventQuerySet(AppendOnlyQuerySet):
    pass


class CampaignEvent(models.Model):
    """Append-only record of what coordinators did to a campaign and its lists."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Campaign created")
        UPDATED = "updated", _("Campaign changed")
        ARCHIVED = "archived", _("Campaign archived")
        RESTORED = "restored", _("Campaign restored")
        LIST_CREATED = "list_created", _("List added")
        LIST_UPDATED = "list_updated", _("List changed")
        # An import's draft (campaigns.services.drafts): what went live, what was dropped.
        LIST_PUBLISHED = "list_published", _("Imported list published")
        REVISION_PUBLISHED = "revision_published", _("New version of a list published")
        DRAFT_DISCARDED = "draft_discarded", _("Imported draft discarded")

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)

    objects = CampaignEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign event")
        verbose_name_plural = _("campaign events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["campaign", "-at"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise TypeError("Campaign events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Campaign events are append-only.")


class TaskListQuerySet(models.QuerySet):
    def published(self) -> "TaskListQuerySet":
        """Lists that are live: not a draft an import made and nobody has published yet."""
        return self.filter(published_at__isnull=False)


class TaskList(models.Model):
    """One list (清单) of a campaign.

    A list an import makes is a draft (``published_at`` empty) until a coordinator publishes
    it: until then only the campaign's coordinators see it, and nothing counts it (rounds,
    reviews, lights, figures: ``Task.objects.work()``). Lists made any other way are live
    from the start.
    """

    class Kind(models.TextChoices):
        REFORM = "reform", _("Reform tasks")
        POLICY = "policy", _("Policies")
        SERVICE = "service", _("Service items")
        CHECKLIST = "checklist", _("Supervision checklist")
        MEASURE = "measure", _("Incentive and penalty measures")
        RECTIFICATION = "rectification", _("Rectification tasks")

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="lists"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.REFORM)
    source_document = models.CharField(_("source document"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # How the list was laid out when it came in (column headers and their mapping), so that an
    # export can give it back in the same shape.
    layout = models.JSONField(_("layout"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_at = models.DateTimeField(
        _("published at"), null=True, blank=True, default=timezone.now
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = TaskListQuerySet.as_manager()

    class Meta:
        verbose_name = _("task list")
        verbose_name_plural = _("task lists")
        ordering = ["campaign", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "name"], name="tasklist_name_per_campaign"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_work(self) -> bool:
        """Its lines are work (lights, weekly reports, ratings); see ``WORK_KINDS``."""
        return self.kind in WORK_KINDS

    @property
    def is_draft(self) -> bool:
        """Made by an import that nobody has published yet."""
        return self.published_at is None


# The kinds of list whose lines are work to be done: they have a deadline light, owe weekly
# reports, are rated each month and count in every figure. A checklist's lines are questions
# (answered in inspection rounds) and a measures list's lines are measures (applied to units):
# they are imported, exported and re-imported like any list, but are never work.
WORK_KINDS = (
    TaskList.Kind.REFORM,
    TaskList.Kind.POLICY,
    TaskList.Kind.SERVICE,
    TaskList.Kind.RECTIFICATION,
)


class Category(models.Model):
    """A section of a list ("一、深化工程建设项目审批制度改革（18项）")."""

    task_list = models.ForeignKey(
        TaskList, verbose_name=_("list"), on_delete=models.CASCADE, related_name="categories"
    )
    code = models.CharField(_("number"), max_length=20, blank=True)
    name = models.CharField(_("name"), max_length=200)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["task_list", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["task_list", "name"], name="category_name_per_list"),
        ]

    def __str__(self):
        return heading(self.code, self.name)


def heading(code: str, name: str) -> str:
    """A category's heading as lists print it: 一、name / （一）name / 第一部分 name / name."""
    if not code:
        return name
    if code.endswith(("）", ")", "〕", "】")):
        return f"{code}{name}"
    if code.startswith("第"):
        return f"{code} {name}"
    return f"{code}、{name}"


class ListImport(models.Model):
    """One upload of a list (Excel, Word or plan text), from preview to the tasks it wrote.

    The file is kept (in the database, so web and worker see the same bytes) with the
    coordinator's corrections: column mapping and decisions on unit names. The preview is
    stored so that large files checked by a background job can be shown page by page.
    """

    class Status(models.TextChoices):
        CHECKING = "checking", _("Checking")
        READY = "ready", _("Ready to import")
        IMPORTING = "importing", _("Importing")
        # Confirmed: a new list written as a draft, or a revision of a live list staged here
        # (nothing of it written yet); a coordinator reviews it, then publishes or discards it.
        DRAFT = "draft", _("Draft, not published")
        PUBLISHING = "publishing", _("Publishing")
        DONE = "done", _("Published")
        REFUSED = "refused", _("Refused")
        FAILED = "failed", _("Failed")
        DISCARDED = "discarded", _("Discarded")

    class SourceKind(models.TextChoices):
        XLSX = "xlsx", _("Excel workbook")
        DOCX = "docx", _("Word document")
        TEXT = "text", _("Plan text")

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="imports"
    )
    # The list it goes into: an existing list (a re-import), or None until a new one is made.
    task_list = models.ForeignKey(
        TaskList,
        verbose_name=_("list"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="imports",
    )
    list_name = models.CharField(_("list name"), max_length=200, blank=True)
    list_kind = models.CharField(
        _("list kind"), max_length=20, choices=TaskList.Kind.choices, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    source_name = models.CharField(_("file name"), max_length=255)
    source_kind = models.CharField(_("file kind"), max_length=10, choices=SourceKind.choices)
    source_size = models.PositiveIntegerField(_("size"))
    source_sha256 = models.CharField(max_length=64)
    source = models.BinaryField(_("file"))
    # Rows the file holds, as counted before parsing: decides inline or background work.
    row_estimate = models.PositiveIntegerField(default=0)

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.CHECKING
    )
    stage = models.CharField(_("stage"), max_length=100, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress %"), default=0)
    job_id = models.CharField(max_length=64, blank=True)
    message = models.TextField(_("message"), blank=True)

    # Corrections: {"sheet name": {"column index": "field" | "" | "-"}}
    columns = models.JSONField(_("column mapping"), default=dict, blank=True)
    # Decisions on unit names: {"name": {"unit": id} | {"create": true} | {"ignore": true}}
    unit_choices = models.JSONField(_("unit decisions"), default=dict, blank=True)
    # Deadlines before the campaign's start read in the campaign's year (2020年6月底前 →
    # the campaign's year, 6月底前), instead of as written.
    deadlines_in_campaign_year = models.BooleanField(
        _("deadlines in the campaign's year"), default=False
    )
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    preview = models.JSONField(_("preview"), default=dict, blank=True)

    # A draft's life. ``made``: the rows of the directory a new list's import created
    # ({"units": [ids], "aliases": [ids]}), so that discarding it removes them again;
    # ``digest``: what a staged revision would change, as reviewed (publishing compares it).
    made = models.JSONField(_("rows made"), default=dict, blank=True)
    digest = models.CharField(max_length=64, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    discarded_at = models.DateTimeField(_("discarded at"), null=True, blank=True)
    discarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("discarded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("list import")
        verbose_name_plural = _("list imports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["campaign", "-created_at"])]

    def __str__(self):
        return f"{self.source_name} ({self.get_status_display()})"

    @property
    def is_running(self) -> bool:
        return self.status in (
            self.Status.CHECKING,
            self.Status.IMPORTING,
            self.Status.PUBLISHING,
        )

    @property
    def is_revision(self) -> bool:
        """A draft staged for a list that is live: nothing of it is written until published."""
        return self.task_list_id is not None and not self.made.get("list")


class ListImportRow(models.Model):
    """One row of an import's checked preview: what it becomes, its changes and issues.

    Stored as rows, not one JSON document, so that a preview page reads only the rows it
    shows (one index range) and its figures come from one aggregate, whatever the file's size.
    ``problem``: an error or a warning on the row (the "with problems" filter); ``action``:
    create, update, unchanged or error; ``change``: the action creates or updates a task (the
    "new and changed" filter, one index range in position order). ``draft``: the task as
    the file gave it, checked, so that the confirm does not read and check the file again.
    """

    # No index of its own: the unique (list_import, position) serves every lookup by import.
    list_import = models.ForeignKey(
        ListImport, on_delete=models.CASCADE, related_name="rows", db_index=False
    )
    position = models.PositiveIntegerField()
    action = models.CharField(max_length=10)
    problem = models.BooleanField(default=False)
    change = models.BooleanField(default=False)
    # What the page shows of the row; and the row's task as read and checked, for the confirm
    # (``import_steps/checked.py``): both read whole, kept as text, which the database
    # neither parses nor writes out again (``fields.JSONText``).
    data = JSONText(default=dict)
    draft = JSONText(null=True, blank=True)

    class Meta:
        verbose_name = _("import preview row")
        verbose_name_plural = _("import preview rows")
        ordering = ["list_import", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["list_import", "position"], name="list_import_row_position"
            )
        ]
        indexes = [
            models.Index(fields=["list_import", "problem", "position"]),
            models.Index(
                fields=["list_import", "change", "position"], name="list_import_row_change"
            ),
        ]

    def __str__(self):
        return f"{self.list_import_id}:{self.position}"
