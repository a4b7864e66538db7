"""The naive ways of doing what the pages do, for benchmarks/pages.py to compare against: the
``SELECT DISTINCT`` visibility query joined through supporting units and coordinators, the
whole filtered set counted and sorted before a page is cut, a count per unit, every owed task
read and rendered. Each function returns a callable that does that work (no HTTP)."""

from __future__ import annotations

from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Role
from tasks.lights import Light, light_expression, overdue_q
from tasks.models import Task


def visible(user):
    """Visibility as it was: joined through supporting units and coordinators, then DISTINCT."""
    live = Q(task_list__published_at__isnull=False)
    if user.has_role(Role.LEADER):
        return Task.objects.filter(live)
    q = (Q(lead_unit_id=user.unit_id) | Q(supports__unit_id=user.unit_id)) & live
    if user.has_role(Role.COORDINATOR):
        q |= Q(task_list__campaign__coordinators=user)
    return Task.objects.filter(q).distinct()


def _page(qs, last: bool = False) -> list:
    from tasks.selectors import with_list_columns

    qs = with_list_columns(qs, today=timezone.localdate()).order_by("order", "id")
    total = qs.count()
    start = max(0, (total - 1) // 50 * 50) if last else 0
    return list(qs[start : start + 50])


def task_page(user, task_list, *, light="", unit=None, q="", last=False):
    def run():
        qs = visible(user).filter(task_list=task_list)
        if light:
            qs = qs.annotate(light_value=light_expression(timezone.localdate())).filter(
                light_value=light
            )
        if unit:
            qs = qs.filter(Q(lead_unit_id=unit) | Q(supports__unit_id=unit)).distinct()
        if q:
            qs = qs.filter(Q(title__icontains=q) | Q(content__icontains=q))
        return _page(qs, last)

    return run


def overview(user):
    """Light counts per list over the DISTINCT visible set."""

    def run():
        today = timezone.localdate()
        return list(
            visible(user)
            .annotate(light_value=light_expression(today))
            .values("task_list_id", "light_value")
            .annotate(
                n=Count("id", distinct=True),
                closed=Count("id", filter=Q(status=Task.Status.CLOSED), distinct=True),
            )
            .order_by()
        )

    return run


def units(campaign):
    """The unit table as a loop: one count of tasks, red and overdue per lead unit."""

    def run():
        today = timezone.localdate()
        tasks = Task.objects.work().filter(task_list__campaign=campaign)
        rows = []
        for unit_id in set(tasks.values_list("lead_unit_id", flat=True)):
            mine = tasks.filter(lead_unit_id=unit_id)
            rows.append(
                (
                    mine.count(),
                    mine.annotate(light_value=light_expression(today))
                    .filter(light_value=Light.RED)
                    .count(),
                    mine.filter(overdue_q(today)).count(),
                )
            )
        return rows

    return run


def red(user):
    def run():
        qs = visible(user).work().filter(overdue_q(timezone.localdate())).order_by("deadline", "id")
        return qs.count(), list(qs[:50])

    return run


def my_tasks(user):
    """我的任务's owed section as it was: every owed task read, sorted and rendered."""

    def run():
        from reporting.selectors import owed_tasks

        today = timezone.localdate()
        owed = owed_tasks(unit_id=user.unit_id, today=today)
        items = sorted(owed.tasks, key=lambda item: item.reported)
        section = {"owed": owed, "items": items, "today": today}
        html = render_to_string("reporting/_owed_section.html", {"section": section})
        _page(visible(user).work().filter(Q(lead_unit_id=user.unit_id)))
        return html

    return run


def review(review):
    """The review's lines counted by rating over a join, and every report of the month counted
    through the tasks' lists."""

    def run():
        from cycles.selectors import reports_to_lock

        items = review.items.all()
        counts = list(items.values("rating").annotate(n=Count("id")).order_by())
        return counts, reports_to_lock(review=review).count()

    return run


def api(user):
    def run():
        return _page(visible(user).work())

    return run


def weekly_bulletin(round_, user):
    """The bulletin computed from every task of the round, and every task it names looked up
    (its number and link), as the page did before it named at most 50 a list."""

    def run():
        from cycles import selectors, services

        until = min(timezone.now(), round_.closes_at)
        result = round_.result or services.round_bulletin(round_=round_, until=until)
        ids = {t["id"] for key in ("red", "overdue", "late", "closed") for t in result[key]}
        ids |= {pk for u in result["units"] for pk in u.get("missing_ids", [])}
        return selectors.bulletin_task_refs(campaign=round_.campaign, task_ids=ids, user=user)

    return run


def draft_ranking(review):
    """The draft read line by line (every review line, support, round item and target)."""

    def run():
        from cycles.ranking.selectors import review_ranking

        return review_ranking(review=review, with_inputs=True)

    return run
