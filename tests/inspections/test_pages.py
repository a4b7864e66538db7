"""The pages of a round: a unit answers its own questions only (404 for any other, nothing
changes), the inspection group verifies, the matrix and its workbook, the query counts."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Unit
from campaigns.selectors import list_export
from campaigns.services.imports import tasklist_import
from inspections.models import Answer, AnswerEvent, AnswerFile, Rectification
from inspections.services import answer_submit, answer_verify, round_open
from tasks.models import TaskSupport
from tasks.selectors import TaskFilters
from tests.factories import TaskFactory, UnitFactory
from tests.tasks import files

pytestmark = pytest.mark.django_db


def answer_of(w, question, unit) -> Answer:
    return Answer.objects.get(round=w.round, question=question, unit=unit)


def state():
    return (
        list(Answer.objects.order_by("pk").values_list("value", "note", "verification", "version")),
        AnswerEvent.objects.count(),
        AnswerFile.objects.count(),
        Rectification.objects.count(),
    )


def test_a_unit_sees_and_answers_only_its_own_questions(client, inspection):
    w = inspection
    client.force_login(w.lead_staff)

    page = client.get(reverse("inspections:unit_round", args=[w.round.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert w.q1.title in text and w.q2.title in text and w.q3.title not in text

    mine = answer_of(w, w.q2, w.lead)
    response = client.post(
        reverse("inspections:answer_submit", args=[mine.pk]),
        {"value": "no", "note": "尚未实行", "version": mine.version, "files": [files.pdf()]},
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.value == "no" and mine.files.count() == 1
    download = client.get(reverse("inspections:file", args=[mine.files.get().pk]))
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")


def test_another_units_question_is_404_and_nothing_changes(client, inspection):
    w = inspection
    theirs = answer_of(w, w.q3, w.other)
    answer_submit(answer=theirs, by=w.other_staff, value="yes", files=[files.pdf()])
    before = state()
    client.force_login(w.lead_staff)

    for response in (
        client.get(reverse("inspections:answer", args=[theirs.pk])),
        client.post(
            reverse("inspections:answer_submit", args=[theirs.pk]),
            {"value": "no", "version": 2},
        ),
        client.post(reverse("inspections:answer_verify", args=[theirs.pk]), {"version": 2}),
        client.get(reverse("inspections:file", args=[theirs.files.get().pk])),
        client.get(reverse("inspections:round", args=[w.round.pk])),
    ):
        assert response.status_code == 404
    client.force_login(w.support_staff)  # in the round, but q3 is not theirs
    assert client.get(reverse("inspections:answer", args=[theirs.pk])).status_code == 404
    assert state() == before


def test_the_coordinator_verifies_a_no_on_the_answer_page(client, inspection):
    w = inspection
    mine = answer_of(w, w.q2, w.lead)
    answer_submit(answer=mine, by=w.lead_staff, value="yes")
    client.force_login(w.coordinator)
    url = reverse("inspections:answer_verify", args=[mine.pk])
    data = {
        "decision": "overturn",
        "overturn_to": "no",
        "reason": "现场核查未实行",
        "deadline": "2027-02-28",
        "version": 2,
    }

    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302  # the second click: stale, refused

    assert Rectification.objects.count() == 1
    task = Rectification.objects.get().task
    assert str(task.deadline) == "2027-02-28" and task.lead_unit == w.lead
    page = client.get(reverse("inspections:answer", args=[mine.pk])).content.decode()
    assert "现场核查未实行" in page
    # The history in words, not the stored codes.
    history = page[page.index('data-testid="history"') :]
    assert "回复: — → 是" in history
    assert "核查: 未核查 → 已更正；核查结论: — → 否；更正理由: — → 现场核查未实行" in history
    assert f"整改任务: — → {task.code}" in history
    assert "'value'" not in history and "overturned" not in history
    assert "更正理由" in page[: page.index('data-testid="history"')]  # the form's field


def test_the_matrix_is_for_the_inspection_group_and_leaders(client, inspection):
    w = inspection
    url = reverse("inspections:round", args=[w.round.pk])
    for user, status in (
        (w.coordinator, 200),
        (w.leader, 200),
        (w.inspector, 200),
        (w.other_coordinator, 404),
        (w.lead_staff, 404),
        (w.auditor, 404),
    ):
        client.force_login(user)
        assert client.get(url).status_code == status, user


def test_the_matrix_downloads_as_a_workbook_with_the_counts(client, inspection):
    w = inspection
    answer_submit(answer=answer_of(w, w.q1, w.lead), by=w.lead_staff, value="no")
    w.q3.title = '=HYPERLINK("http://x")'
    w.q3.save()
    client.force_login(w.coordinator)

    response = client.get(reverse("inspections:round", args=[w.round.pk]), {"format": "xlsx"})

    book = load_workbook(io.BytesIO(response.content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert {"区行政审批服务局", "区大数据局", "区发展改革局"} <= set(rows[0])
    q1 = rows[1]
    assert q1[0] == "1" and q1[1] == w.q1.title
    assert q1[-3] == 1  # one 否 on q1
    assert rows[3][1] == "'" + w.q3.title  # a formula is written as text
    units = list(book.worksheets[1].iter_rows(values_only=True))
    lead = next(row for row in units if row[0] == "区行政审批服务局")
    assert lead[1:5] == (2, 1, 0, 1)  # asked, answered, yes, no


def test_one_units_answers_as_a_list(client, inspection):
    w = inspection
    client.force_login(w.leader)
    response = client.get(reverse("inspections:round", args=[w.round.pk]), {"unit": w.other.pk})
    text = response.content.decode()
    assert 'id="unit-answers"' in text
    assert w.q3.title in text and w.q1.title not in text


def test_the_matrix_page_costs_the_same_queries_at_any_size(
    client, inspection, django_assert_max_num_queries
):
    w = inspection
    client.force_login(w.coordinator)
    # Both rounds measured have a previous round to compare with.
    second = round_open(
        checklist=w.checklist, by=w.coordinator, title="第二轮", due_date=w.round.due_date
    )
    url = reverse("inspections:round", args=[second.pk])
    with django_assert_max_num_queries(20) as small:
        client.get(url)

    units = [UnitFactory(name=f"区测试单位{n}") for n in range(8)]
    for n in range(30):
        question = TaskFactory(task_list=w.checklist, lead_unit=units[n % 8], code=f"x{n}")
        TaskSupport.objects.create(task=question, unit=units[(n + 1) % 8])
    big = round_open(
        checklist=w.checklist, by=w.coordinator, title="大轮次", due_date=w.round.due_date
    )
    for answer in Answer.objects.filter(round=big)[:40]:
        answer_submit(answer=answer, by=_staff(answer.unit), value="no")
        answer_verify(answer=answer, by=w.coordinator)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("inspections:round", args=[big.pk]))
    assert response.status_code == 200
    assert Answer.objects.filter(round=big).count() > 60


def _staff(unit: Unit):
    from accounts.models import Role
    from tests.factories import UserFactory

    return UserFactory(username=f"staff-{unit.pk}", unit=unit, roles=[Role.STAFF])


def test_the_unit_page_costs_the_same_queries_at_any_size(
    client, inspection, django_assert_max_num_queries
):
    w = inspection
    client.force_login(w.lead_staff)
    url = reverse("inspections:unit_round", args=[w.round.pk])
    with django_assert_max_num_queries(25) as small:
        client.get(url)
    for n in range(20):
        TaskFactory(task_list=w.checklist, lead_unit=w.lead, code=f"y{n}")
    big = round_open(
        checklist=w.checklist, by=w.coordinator, title="再一轮", due_date=w.round.due_date
    )
    for answer in Answer.objects.filter(round=big, unit=w.lead)[:10]:
        answer_submit(answer=answer, by=w.lead_staff, value="yes", files=[files.pdf()])
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("inspections:unit_round", args=[big.pk]))


def test_the_checklist_exports_with_each_units_answer_of_the_latest_round(inspection):
    w = inspection
    answer_submit(answer=answer_of(w, w.q1, w.lead), by=w.lead_staff, value="yes")
    mine = answer_of(w, w.q3, w.other)
    answer_submit(answer=mine, by=w.other_staff, value="yes")
    answer_verify(answer=mine, by=w.coordinator, overturn_to="no", reason="未设立")

    data = list_export(user=w.coordinator, task_list=w.checklist, filters=TaskFilters())

    rows = list(load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))
    header = next(row for row in rows if row and "督查答复·区发展改革局" in row)
    units = {
        name: header.index(f"督查答复·{name}") for name in ("区行政审批服务局", "区发展改革局")
    }
    by_title = {row[2]: row for row in rows if row and len(row) > 2}
    assert by_title[w.q1.title][units["区行政审批服务局"]] == "是"
    assert by_title[w.q3.title][units["区发展改革局"]] == "否"
    assert by_title[w.q2.title][units["区行政审批服务局"]] is None
    # Re-imported as it is, the export changes nothing: the answer columns are ignored and
    # the answers stay.
    again = tasklist_import(
        campaign=w.campaign, data=data, filename="checklist.xlsx", task_list=w.checklist
    )
    assert again.errors == []
    assert again.summary["updated"] == 0 and again.summary["created"] == 0
    assert Answer.objects.filter(round=w.round).exclude(value="").count() == 2


def test_the_menu_and_home_lead_the_inspection_group_to_the_rounds(client, inspection):
    w = inspection
    client.force_login(w.inspector)
    assert client.get(reverse("home"))["Location"] == reverse("inspections:index")
    page = client.get(reverse("inspections:index")).content.decode()
    assert w.round.title in page
    # The role gives no task content.
    assert client.get(reverse("tasks:detail", args=[w.task.pk])).status_code == 404
    client.force_login(w.lead_staff)
    page = client.get(reverse("inspections:index")).content.decode()
    assert reverse("inspections:unit_round", args=[w.round.pk]) in page
    assert reverse("inspections:index") in client.get(reverse("tasks:mine")).content.decode()


def test_the_rectification_task_is_the_units_ordinary_task(client, inspection):
    w = inspection
    mine = answer_of(w, w.q2, w.lead)
    answer_submit(answer=mine, by=w.lead_staff, value="no")
    answer_verify(answer=mine, by=w.coordinator)
    task = Rectification.objects.get().task
    client.force_login(w.lead_staff)

    assert client.get(reverse("tasks:detail", args=[task.pk])).status_code == 200
    response = client.post(
        reverse("tasks:report_submit", args=[task.pk]),
        {"text": "已制定整改方案", "percent": 30, "version": task.version},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.progress == 30
    client.force_login(w.coordinator)
    export = client.get(reverse("campaigns:list_export", args=[w.campaign.slug, task.task_list_id]))
    assert export.status_code == 200


def test_a_unit_exporting_the_checklist_sees_its_own_answers_only(inspection):
    w = inspection
    answer_submit(answer=answer_of(w, w.q3, w.other), by=w.other_staff, value="no")

    data = list_export(user=w.lead_staff, task_list=w.checklist, filters=TaskFilters())

    cells = {
        cell
        for row in load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True)
        for cell in row
    }
    assert "督查答复·区行政审批服务局" in cells
    assert not any(isinstance(c, str) and c.startswith("督查答复·区发展改革局") for c in cells)
