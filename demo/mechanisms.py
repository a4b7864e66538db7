"""The demo's two list kinds that are not work: an inspection round of the supervision
checklist, and the measures register. Everything goes through the apps' own services
(``inspections.services``, ``measures.services``), so it leaves their history.

Those services date what they write now (they take no date), and so does this module: the
round is opened today, due in two weeks, and the answers, verifications and the
rectification tasks a verified 否 creates happen today too. That keeps the rectification
tasks (work) out of the reviews of past months, which judge only tasks that existed then.
Idempotent: a checklist that has a round, and a campaign that has applications, are left
alone, and a measure already set as wanted is not written again.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count

from accounts.models import Unit, User
from campaigns.models import Campaign, TaskList
from demo.content import ANSWER_NOTES, APPROVAL, MEASURE_SETTINGS, OVERTURN_REASON
from inspections.models import Answer, InspectionRound, Value
from inspections.services import answer_submit, answer_verify, round_open
from measures.models import Application
from measures.services import application_add, measure_update, measures_ensure
from tasks.models import Task

if TYPE_CHECKING:
    from demo.services import DemoBuilder

ROUND_DAYS = 14  # the round is due two weeks after it opens
# Of the bureaus the questions name (ALIASES order): which answer every question, and which
# of those the inspection group then verifies. 区行政审批服务局 (the `staff` login's unit)
# answers half of its questions and is verified on those; the rest answer nothing yet.
ANSWER_ALL = ("区住房城乡建设局", "区发展改革局", "区人力资源社会保障局", "区市场监管局")
VERIFIED = ("区住房城乡建设局", "区发展改革局", APPROVAL)


def build_mechanisms(builder: DemoBuilder, *, checklist: TaskList, coordinator: User) -> None:
    with transaction.atomic():
        build_inspection(builder, checklist=checklist, coordinator=coordinator)
    with transaction.atomic():
        build_measures(builder, campaign=checklist.campaign, coordinator=coordinator)


# --- inspections ----------------------------------------------------------------------------
def build_inspection(builder: DemoBuilder, *, checklist: TaskList, coordinator: User) -> None:
    """One open round for every unit the questions name; a few units answer, the inspection
    group verifies some, overturning one 是 of 区行政审批服务局 to 否 (its rectification task
    then shows in the `staff` login's 我的任务)."""
    if InspectionRound.objects.filter(checklist=checklist).exists():
        return
    today = builder.today
    round_ = round_open(
        checklist=checklist,
        by=coordinator,
        title=f"{today.year}年{today.month}月督查检查",
        due_date=today + datetime.timedelta(days=ROUND_DAYS),
    )
    by_unit: dict[str, list[Answer]] = defaultdict(list)
    for answer in Answer.objects.filter(round=round_).select_related("unit", "question"):
        by_unit[answer.unit.name].append(answer)
    for name in (*ANSWER_ALL, APPROVAL):
        answers = by_unit.get(name, [])
        if name == APPROVAL:
            answers = answers[: len(answers) // 2]  # the rest is still to answer
        by_unit[name] = [
            _answer(builder, answer, evidence=name == APPROVAL and index == 0)
            for index, answer in enumerate(answers)
        ]
    overturned = False
    for name in VERIFIED:
        for answer in by_unit[name]:
            if name == APPROVAL and not overturned and answer.value == Value.YES:
                answer_verify(
                    answer=answer, by=coordinator, overturn_to=Value.NO, reason=OVERTURN_REASON
                )
                overturned = True
            else:
                answer_verify(answer=answer, by=coordinator)


def _answer(builder: DemoBuilder, answer: Answer, *, evidence: bool) -> Answer:
    """Mostly 是, some 否 and 不适用, a note here and there, and an evidence file if asked."""
    rng = random.Random(f"answer|{answer.question.code}|{answer.unit.name}")
    draw = rng.random()
    value = Value.YES if draw < 0.75 else Value.NO if draw < 0.88 else Value.NA
    files = []
    if evidence:
        files = [ContentFile(b"%PDF-1.4\n% demo evidence\n", name="自查佐证材料.pdf")]
    return answer_submit(
        answer=answer,
        by=builder.liaison(answer.unit),
        value=value,
        note=rng.choice(ANSWER_NOTES[value]),
        files=files,
    )


# --- measures -------------------------------------------------------------------------------
def build_measures(builder: DemoBuilder, *, campaign: Campaign, coordinator: User) -> None:
    """Kinds and rules where the guess from the title falls short, and a few measures applied
    by hand with grounds (the demo certifies no month, so no rule has proposed any)."""
    for measure in measures_ensure(campaign=campaign):
        wanted = MEASURE_SETTINGS.get(measure.line.title)
        if wanted and wanted != (measure.kind, measure.rule, measure.number):
            kind, rule, number = wanted
            measure_update(line=measure.line, by=coordinator, kind=kind, rule=rule, number=number)
    if Application.objects.filter(campaign=campaign).exists():
        return
    lines = {
        line.title: line
        for line in Task.objects.filter(
            task_list__campaign=campaign, task_list__kind=TaskList.Kind.MEASURE
        ).select_related("task_list")
    }
    month = builder.today.replace(day=1)
    approval = Unit.objects.get(name=APPROVAL)
    done = list(_work(campaign).filter(lead_unit=approval, status=Task.Status.CLOSED)[:2])
    application_add(
        campaign=campaign,
        line=lines["典型经验推广"],
        by=coordinator,
        unit=approval,
        month=month,
        tasks=done,
        grounds="“一窗受理、集成服务”改革形成可复制经验，在全区推广。",
    )
    staff = User.objects.get(username="staff")
    application_add(
        campaign=campaign,
        line=lines["评先树优倾斜"],
        by=coordinator,
        person=staff,
        month=month,
        grounds="牵头推进审批服务改革成效突出，年度评先树优予以倾斜。",
    )
    late, count, overdue = _most_overdue(campaign, builder.today)
    if late is not None:
        application_add(
            campaign=campaign,
            line=lines["督查督办"],
            by=coordinator,
            unit=late,
            month=month,
            tasks=overdue,
            grounds=f"{count}项任务逾期未完成，下发督办单，限期整改。",
        )


def _work(campaign: Campaign):
    return (
        Task.objects.work()
        .filter(task_list__campaign=campaign)
        .order_by("task_list__order", "order")
    )


def _most_overdue(campaign: Campaign, today: datetime.date) -> tuple[Unit | None, int, list[Task]]:
    """The unit with the most open tasks past their deadline, how many, and five of them."""
    overdue = _work(campaign).filter(deadline__lt=today).exclude(status=Task.Status.CLOSED)
    worst = (
        overdue.values("lead_unit")
        .annotate(n=Count("id"))
        .order_by("-n", "lead_unit__name")
        .values_list("lead_unit", "n")
        .first()
    )
    if worst is None:
        return None, 0, []
    unit_id, count = worst
    return Unit.objects.get(pk=unit_id), count, list(overdue.filter(lead_unit_id=unit_id)[:5])
