"""Reads of the measures app: a campaign's measures, the register and its figures, the
bulletin's 红榜 / 黑榜, and the last columns of a measures list's export. Each read costs the
same few queries whatever the number of rows."""

import datetime
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from accounts.models import User
from campaigns.importing.headers import normalise_header
from campaigns.kinds import ExportColumns
from campaigns.models import Campaign, TaskList
from cycles.hooks import BulletinSection, Penalty
from cycles.models import MonthlyReview
from measures.models import INCENTIVES, PENALTIES, Application, Measure, MeasureKind
from measures.permissions import visible_applications
from tasks.models import Task


def campaign_measures(*, campaign: Campaign) -> list[Measure]:
    """Every line of the campaign's measures lists as its Measure: the saved one, else the
    guess from its wording (not saved: a page does not write)."""
    from measures.services import measure_guess

    lines = (
        Task.objects.filter(
            task_list__campaign=campaign,
            task_list__kind=TaskList.Kind.MEASURE,
            task_list__published_at__isnull=False,
        )
        .select_related("measure", "task_list")
        .order_by("task_list__order", "order", "pk")
    )
    result = []
    for line in lines:
        measure = getattr(line, "measure", None)
        result.append(measure if measure is not None else measure_guess(line))
    return result


@dataclass(frozen=True)
class RegisterFilters:
    unit: int | None = None
    person: int | None = None
    kind: str = ""
    status: str = ""
    month: datetime.date | None = None


def register(
    *, user, campaign: Campaign, filters: RegisterFilters | None = None
) -> QuerySet[Application]:
    """The applications ``user`` may read, filtered, newest month first; every column the page
    and the workbook show is joined or prefetched here."""
    filters = filters or RegisterFilters()
    qs = visible_applications(user, campaign)
    if filters.unit:
        qs = qs.filter(unit_id=filters.unit)
    if filters.person:
        qs = qs.filter(person_id=filters.person)
    if filters.kind:
        qs = qs.filter(measure__kind=filters.kind)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.month:
        qs = qs.filter(month=filters.month)
    return qs.select_related(
        "measure__line", "unit", "person", "decided_by", "review", "excused_item__task"
    ).prefetch_related(Prefetch("tasks", queryset=Task.objects.only("pk", "code", "title")))


def register_counts(*, applications: QuerySet[Application]) -> dict[str, dict]:
    """Applied measures per unit: incentives, penalties and each kind, counted in SQL over
    the whole (filtered) register, not only the page shown."""
    per_unit: dict[str, dict] = {}
    rows = (
        applications.filter(status=Application.Status.APPLIED)
        .order_by()
        .values_list("unit__name", "measure__kind")
        .annotate(n=Count("pk"))
    )
    for unit_name, kind, n in rows:
        row = per_unit.setdefault(unit_name, {"incentives": 0, "penalties": 0, "kinds": Counter()})
        row["kinds"][kind] += n
        if kind in INCENTIVES:
            row["incentives"] += n
        elif kind in PENALTIES:
            row["penalties"] += n
    return dict(sorted(per_unit.items()))


def bulletin_section(review: MonthlyReview, user) -> BulletinSection | None:
    """红榜 (incentives) and 黑榜 (penalties) applied for the bulletin's month, as ``user`` may
    read them; nothing if the campaign has no measures list."""
    campaign = review.campaign
    if not campaign.lists.filter(kind=TaskList.Kind.MEASURE).exists():
        return None
    applied = list(
        register(
            user=user,
            campaign=campaign,
            filters=RegisterFilters(status=Application.Status.APPLIED, month=review.month),
        ).order_by("unit__name", "pk")
    )
    return BulletinSection(
        template="measures/_bulletin.html",
        context={
            "incentives": [a for a in applied if a.measure.kind in INCENTIVES],
            "penalties": [a for a in applied if a.measure.kind in PENALTIES],
            "tolerance": [a for a in applied if a.measure.kind == MeasureKind.TOLERANCE],
            "register_url": reverse("measures:register", args=[campaign.slug])
            + f"?month={review.month:%Y-%m}",
        },
    )


def penalties_applied(campaign_id: int, start, end) -> list[Penalty]:
    """The penalties (通报批评, 约谈, 问责) applied in [start, end) — by when the coordinator
    applied them — to each unit or one of its people, for the ranking formula's deductions
    (``cycles.hooks.penalties``). One query."""
    rows = (
        Application.objects.filter(
            campaign_id=campaign_id,
            status=Application.Status.APPLIED,
            measure__kind__in=PENALTIES,
            decided_at__gte=start,
            decided_at__lt=end,
        )
        .order_by("decided_at", "pk")
        # Columns, not the measure's line (a whole task) and the person: compiling and
        # building those was most of a draft ranking's read of its penalties.
        .values_list(
            "unit_id",
            "measure__kind",
            "pk",
            "measure__line__title",
            "decided_at",
            *(f"person__{name}" for name in _PERSON),
        )
    )
    penalties = []
    for unit_id, kind, pk, title, decided_at, *person in rows:
        if person[0] is not None:  # the person as User.__str__ writes them
            title = f"{title}（{User(**dict(zip(_PERSON, person, strict=True)))}）"
        penalties.append(
            Penalty(
                unit_id=unit_id,
                kind=kind,
                ref=pk,
                label=title,
                date=f"{timezone.localtime(decided_at):%Y-%m-%d}" if decided_at else "",
            )
        )
    return penalties


_PERSON = ("id", "display_name", "first_name", "last_name", "username")


def export_columns(task_list: TaskList, line_ids: Sequence[int], user: User) -> ExportColumns:
    """A measures list's export ends with each measure's kind, rule and applications."""
    measures = {
        m.line_id: m
        for m in Measure.objects.filter(line_id__in=list(line_ids), line__task_list=task_list)
    }
    applied: dict[int, list[str]] = defaultdict(list)
    for line_id, month, unit, display, username in (
        visible_applications(user, task_list.campaign)
        .filter(measure__line_id__in=list(line_ids), status=Application.Status.APPLIED)
        .order_by("month", "pk")
        .values_list(
            "measure__line_id", "month", "unit__name", "person__display_name", "person__username"
        )
    ):
        person = display or username
        when = f"{month:%Y-%m} " if month else ""
        applied[line_id].append(f"{when}{unit}{f'（{person}）' if person else ''}")
    cells = {}
    for line_id in line_ids:
        measure = measures.get(line_id)
        cells[line_id] = [
            measure.get_kind_display() if measure else "",
            measure.get_rule_display() if measure and measure.rule else "",
            len(applied[line_id]),
            "；".join(applied[line_id]),
        ]
    return ExportColumns(headers=[str(header) for header in EXPORT_HEADERS], cells=cells)


# The columns a measures list's export ends with (written in Chinese, like every export).
EXPORT_HEADERS = (
    gettext_lazy("Kind of measure"),
    gettext_lazy("Rule"),
    gettext_lazy("Times applied"),
    gettext_lazy("Applications"),
)


def is_export_column(header: str) -> bool:
    """Whether a header (in its matching form) is one of EXPORT_HEADERS: ignored on import."""
    with translation.override("zh-hans"):
        return header in {normalise_header(str(name)) for name in EXPORT_HEADERS}


def tasks_by_codes(*, campaign: Campaign, codes: Sequence[str]) -> list[Task]:
    """The campaign's tasks (work, not measures) with these numbers."""
    return list(
        Task.objects.work()
        .filter(task_list__campaign=campaign, code__in=list(codes))
        .select_related("task_list")
    )


def ratings_to_excuse(
    *, campaign: Campaign, month: datetime.date | None, code: str, unit=None
) -> list:
    """The certified ratings in ``month`` of the task numbered ``code``: at most two, so that
    the caller can tell none, one and several apart. Numbers are unique within a list only,
    so ``code`` may name the list too ("改革攻坚任务清单 2", or a part of its name), and
    ``unit`` (the unit the measure is applied to) keeps only the ratings of tasks it led."""
    from cycles.models import ReviewItem

    list_name, _space, number = code.replace("：", " ").replace(":", " ").strip().rpartition(" ")
    if month is None or not number:
        return []
    items = ReviewItem.objects.filter(
        review__campaign=campaign,
        review__month=month,
        review__status=MonthlyReview.Status.CERTIFIED,
        task__code=number,
    )
    if list_name.strip():
        items = items.filter(task__task_list__name__icontains=list_name.strip())
    if unit is not None:
        items = items.filter(lead_unit=unit)
    return list(items.select_related("review", "task__task_list").order_by("pk")[:2])


def register_units(*, applications: QuerySet[Application]):
    """The units the register names, for the filter."""
    from accounts.models import Unit

    return Unit.objects.filter(pk__in=applications.values("unit_id")).order_by("name")


def register_people(*, applications: QuerySet[Application]) -> list[tuple[int, str]]:
    """The people the register names, for the filter: (id, "name（unit）"), by unit then name.
    Only people of applications the reader may see, so the list tells nothing more."""
    people = (
        User.objects.filter(pk__in=applications.values("person_id"))
        .select_related("unit")
        .order_by("unit__name", "display_name", "username")
    )
    return [(p.pk, f"{p}（{p.unit}）" if p.unit_id else str(p)) for p in people]


def application_history(*, application: Application):
    return application.events.select_related("actor").order_by("at", "id")
