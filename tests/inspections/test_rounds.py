"""An inspection round end to end, through the services: answers, verification (one
overturned), rectification tasks created exactly once, and the matrix's counts."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone

from campaigns.models import TaskList
from config.errors import RuleViolation
from inspections.models import Answer, AnswerEvent, AnswerFile, Rectification, Value
from inspections.selectors import round_matrix
from inspections.services import answer_submit, answer_verify, round_open
from tasks.models import Task, TaskEvent
from tasks.selectors import tasks_for_user
from tests.tasks import files

pytestmark = pytest.mark.django_db


def answer_of(w, question, unit) -> Answer:
    return Answer.objects.get(round=w.round, question=question, unit=unit)


def counting_no(qs):
    """否 as a plain count: the verified answer once verified, else the unit's own."""
    return qs.filter(
        Q(verification="", value=Value.NO) | (~Q(verification="") & Q(verified_value=Value.NO))
    ).count()


def counting(qs, value):
    return qs.filter(
        Q(verification="", value=value) | (~Q(verification="") & Q(verified_value=value))
    ).count()


def test_a_round_asks_each_unit_the_questions_that_name_it(inspection):
    w = inspection

    pairs = set(Answer.objects.values_list("question__code", "unit__name"))

    assert pairs == {
        ("1", "区行政审批服务局"),
        ("1", "区大数据局"),
        ("2", "区行政审批服务局"),
        ("3", "区发展改革局"),
    }
    assert set(w.round.units.values_list("name", flat=True)) == {
        "区行政审批服务局",
        "区大数据局",
        "区发展改革局",
    }
    assert Answer.objects.filter(value="").count() == 4


def test_questions_are_not_work_and_the_round_makes_no_task(inspection):
    assert Task.objects.work().filter(task_list=inspection.checklist).count() == 0
    assert not TaskList.objects.filter(kind=TaskList.Kind.RECTIFICATION).exists()


def test_only_the_campaigns_coordinators_open_a_round(checklist):
    for user in (checklist.other_coordinator, checklist.lead_staff, checklist.inspector):
        with pytest.raises(PermissionDenied):
            round_open(
                checklist=checklist.checklist,
                by=user,
                title="x",
                due_date=datetime.date(2026, 12, 1),
            )
    assert not Answer.objects.exists()


def test_a_round_for_a_unit_no_question_names_is_refused(checklist):
    with pytest.raises(RuleViolation):
        round_open(
            checklist=checklist.checklist,
            by=checklist.coordinator,
            title="x",
            due_date=datetime.date(2026, 12, 1),
            units=[checklist.office],
        )


def test_an_inspection_round_end_to_end(inspection):
    w = inspection
    lead_q1, lead_q2 = answer_of(w, w.q1, w.lead), answer_of(w, w.q2, w.lead)
    support_q1, other_q3 = answer_of(w, w.q1, w.support), answer_of(w, w.q3, w.other)

    # The units answer their own questions, one with a file.
    answer_submit(
        answer=lead_q1,
        by=w.lead_staff,
        value="yes",
        note="已公开",
        files=[files.pdf()],
        expected_version=1,
    )
    answer_submit(answer=lead_q2, by=w.lead_head, value="no", note="尚未实行")
    answer_submit(answer=support_q1, by=w.support_staff, value="na")
    answer_submit(answer=other_q3, by=w.other_staff, value="yes")

    # The inspection group: lead's 是 on q1 is overturned to 否, lead's 否 on q2 confirmed,
    # the supporting unit's 不适用 confirmed; q3 is left unverified.
    lead_q1.refresh_from_db()
    answer_verify(
        answer=lead_q1,
        by=w.inspector,
        overturn_to="no",
        reason="指南未在网站公开",
        expected_version=lead_q1.version,
    )
    due = datetime.date(2027, 1, 31)
    answer_verify(answer=lead_q2, by=w.coordinator, deadline=due)
    answer_verify(answer=support_q1, by=w.coordinator)

    # Two verified 否 → two rectification tasks for the lead unit, in the rectification list.
    assert Rectification.objects.count() == 2
    rect_list = TaskList.objects.get(kind=TaskList.Kind.RECTIFICATION)
    assert rect_list.name == "整改任务清单" and rect_list.campaign == w.campaign
    q2_task = Rectification.objects.get(answer=lead_q2).task
    assert q2_task.lead_unit == w.lead and q2_task.deadline == due
    assert q2_task.task_list == rect_list and q2_task.is_work
    q1_task = Rectification.objects.get(answer=lead_q1).task
    assert q1_task.deadline == timezone.localdate() + datetime.timedelta(days=30)
    assert TaskEvent.objects.filter(task=q2_task, kind=TaskEvent.Kind.CREATED).count() == 1
    assert q1_task in tasks_for_user(user=w.lead_staff)

    # Submitted twice (a second click): the stale version is refused, a fresh one adds nothing.
    with pytest.raises(RuleViolation):
        answer_verify(
            answer=lead_q1,
            by=w.inspector,
            overturn_to="no",
            reason="再次",
            expected_version=lead_q1.version,
        )
    answer_verify(answer=lead_q2, by=w.coordinator)
    assert Rectification.objects.count() == 2
    assert Task.objects.filter(task_list=rect_list).count() == 2

    # The verified answer counts; the unit's own stays on record.
    lead_q1.refresh_from_db()
    assert (lead_q1.value, lead_q1.verified_value, lead_q1.final_value) == ("yes", "no", "no")

    # History: every answer and verification, before and after.
    kinds = list(AnswerEvent.objects.filter(answer=lead_q1).values_list("kind", flat=True))
    assert kinds == ["answered", "overturned", "rectification"]
    overturned = AnswerEvent.objects.get(answer=lead_q1, kind="overturned")
    assert overturned.actor == w.inspector
    assert overturned.before["verified_value"] == "" and overturned.after["verified_value"] == "no"
    assert AnswerFile.objects.get().answer == lead_q1

    # The matrix: every figure equals a plain count.
    matrix = round_matrix(round_=w.round)
    answers = Answer.objects.filter(round=w.round)
    for row in matrix.rows:
        mine = answers.filter(question=row.question)
        assert row.no == counting_no(mine)
        assert row.no_verified == counting_no(mine.exclude(verification=""))
        assert row.no_self == mine.filter(value="no").count()
    for unit in matrix.units:
        mine = answers.filter(unit=unit.unit)
        yes, no = counting(mine, "yes"), counting_no(mine)
        assert (unit.yes, unit.no, unit.na) == (yes, no, counting(mine, "na"))
        assert unit.asked == mine.count()
        assert unit.answered == mine.exclude(value="").count()
        assert unit.verified == mine.exclude(verification="").count()
        assert unit.overturned == mine.filter(verification="overturned").count()
        assert unit.yes_rate == (round(100 * yes / (yes + no), 1) if yes + no else None)
    assert [row.no for row in matrix.rows] == [1, 1, 0]
    by_unit = {u.unit.name: u.yes_rate for u in matrix.units}
    assert by_unit == {"区行政审批服务局": 0.0, "区大数据局": None, "区发展改革局": 100.0}
    assert matrix.totals.verified == answers.exclude(verification="").count() == 3


def test_a_unit_cannot_answer_another_units_question(inspection):
    w = inspection
    theirs = answer_of(w, w.q3, w.other)

    for user in (w.lead_staff, w.coordinator, w.inspector, w.leader):
        with pytest.raises(PermissionDenied):
            answer_submit(answer=theirs, by=user, value="no")

    theirs.refresh_from_db()
    assert theirs.value == "" and not AnswerEvent.objects.exists()


def test_answer_events_are_append_only(inspection):
    w = inspection
    mine = answer_of(w, w.q2, w.lead)
    answer_submit(answer=mine, by=w.lead_staff, value="no", note="尚未实行")
    event = AnswerEvent.objects.get(answer=mine)

    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AnswerEvent.objects.filter(answer=mine).update(note="改写")
    with pytest.raises(TypeError):
        AnswerEvent.objects.filter(answer=mine).delete()

    assert AnswerEvent.objects.get(pk=event.pk).note == event.note
    assert AnswerEvent.objects.filter(answer=mine).count() == 1


def test_units_do_not_verify_and_leaders_only_read(inspection):
    w = inspection
    mine = answer_of(w, w.q2, w.lead)
    answer_submit(answer=mine, by=w.lead_staff, value="no")

    for user in (w.lead_staff, w.lead_head, w.leader, w.other_coordinator):
        with pytest.raises(PermissionDenied):
            answer_verify(answer=mine, by=user)
    assert not Rectification.objects.exists()


def test_a_verified_answer_or_a_closed_round_takes_no_new_answer(inspection):
    from inspections.services import round_close

    w = inspection
    mine = answer_of(w, w.q2, w.lead)
    answer_submit(answer=mine, by=w.lead_staff, value="yes")
    answer_verify(answer=mine, by=w.coordinator)
    with pytest.raises(RuleViolation):
        answer_submit(answer=mine, by=w.lead_staff, value="no")

    round_close(round_=w.round, by=w.coordinator)
    with pytest.raises(RuleViolation):
        answer_submit(answer=answer_of(w, w.q1, w.lead), by=w.lead_staff, value="no")


def test_answers_take_files_by_the_rules_of_reports(inspection):
    w = inspection
    mine = answer_of(w, w.q2, w.lead)

    with pytest.raises(RuleViolation):
        answer_submit(answer=mine, by=w.lead_staff, value="yes", files=[files.fake_pdf()])

    mine.refresh_from_db()
    assert mine.value == "" and not AnswerFile.objects.exists()


def test_a_stale_answer_is_refused(inspection):
    w = inspection
    mine = answer_of(w, w.q2, w.lead)
    answer_submit(answer=mine, by=w.lead_staff, value="yes", expected_version=1)

    with pytest.raises(RuleViolation):
        answer_submit(answer=mine, by=w.lead_head, value="no", expected_version=1)
    mine.refresh_from_db()
    assert mine.value == "yes"


def test_the_matrix_compares_with_the_previous_round_of_the_checklist(inspection):
    w = inspection
    answer_submit(answer=answer_of(w, w.q1, w.lead), by=w.lead_staff, value="no")
    answer_submit(answer=answer_of(w, w.q2, w.lead), by=w.lead_staff, value="yes")
    second = round_open(
        checklist=w.checklist, by=w.coordinator, title="第二轮", due_date=datetime.date(2027, 3, 1)
    )
    for question in (w.q1, w.q2):
        answer_submit(
            answer=Answer.objects.get(round=second, question=question, unit=w.lead),
            by=w.lead_staff,
            value="yes",
        )

    matrix = round_matrix(round_=second)

    assert matrix.previous == w.round
    rows = {row.question.code: row for row in matrix.rows}
    assert (rows["1"].no, rows["1"].previous_no, rows["1"].trend) == (0, 1, -1)
    lead = next(u for u in matrix.units if u.unit == w.lead)
    assert (lead.yes_rate, lead.previous_rate, lead.trend) == (100.0, 50.0, 50.0)
    assert round_matrix(round_=w.round).previous is None


def test_an_answer_that_made_a_rectification_task_cannot_be_verified_back_to_yes(inspection):
    w = inspection
    answer = answer_of(w, w.q1, w.lead)
    answer_submit(answer=answer, by=w.lead_staff, value="yes")
    answer_verify(answer=answer, by=w.coordinator, overturn_to="no", reason="未公开")
    task = Rectification.objects.get(answer=answer).task

    with pytest.raises(RuleViolation):
        answer_verify(answer=answer, by=w.coordinator, overturn_to="yes", reason="看错了")

    answer.refresh_from_db()
    assert answer.verified_value == "no"
    assert Task.objects.get(pk=task.pk).status == Task.Status.IN_PROGRESS


def test_a_list_already_named_like_the_rectification_list_takes_nothing_away(inspection):
    w = inspection
    TaskList.objects.create(campaign=w.campaign, name="整改任务清单", kind=TaskList.Kind.REFORM)
    answer = answer_of(w, w.q1, w.lead)
    answer_submit(answer=answer, by=w.lead_staff, value="no")

    answer_verify(answer=answer, by=w.coordinator)

    task = Rectification.objects.get(answer=answer).task
    assert task.task_list.kind == TaskList.Kind.RECTIFICATION
    assert task.task_list.name == "整改任务清单（2）"


def test_an_answer_is_refused_when_the_storage_is_full_and_keeps_nothing(inspection, settings):
    from pathlib import Path

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tests.tasks.test_storage.FullDisk"},
    }
    w = inspection
    mine = answer_of(w, w.q2, w.lead)

    with pytest.raises(RuleViolation) as refused:
        answer_submit(answer=mine, by=w.lead_staff, value="yes", files=[files.pdf(), files.png()])

    assert "现场照片.png" in str(refused.value.message)
    mine.refresh_from_db()
    assert mine.value == "" and not AnswerFile.objects.exists()
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]
