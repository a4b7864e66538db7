"""The rows of an 一表填报 upload's page, drawn in Python by ``{% upload_rows %}``: byte for
byte what the template's loop (kept here) wrote, for every kind of row, both statuses and
both languages."""

from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import translation

# The loop templates/reporting/upload.html held before the rows were drawn in Python.
LOOP = """  <tbody>{% for row in upload.rows %}
    <tr id="row-{{ row.row }}" data-testid="upload-row" class="action-{{ row.action }}">
      <td data-label="{% translate 'Row' %}">{{ row.row }}</td>
      <td data-label="{% translate 'No.' %}">{{ row.code }}</td>
      <td data-label="{% translate 'Task' %}" class="title">{% if row.task_id %}<a href="{% url 'tasks:detail' row.task_id %}">{{ row.title }}</a>{% else %}{{ row.title }}{% endif %}</td>
      <td data-label="{% translate 'Result' %}">
        {% if row.action == "create" %}<mark class="changed">{% if upload.status == "confirmed" %}{% translate "reported" %}{% else %}{% translate "new report" %}{% endif %}</mark>
        {% elif row.action == "edit" %}<mark class="changed">{% if upload.status == "confirmed" %}{% translate "corrected" %}{% else %}{% translate "correction of this week's report" %}{% endif %}</mark>
        {% elif row.action == "unchanged" %}<mark class="ok">{% translate "same as this week's report" %}</mark>
        {% elif row.action == "empty" %}<span class="muted">{% translate "left empty: not reported" %}</span>
        {% else %}<mark class="bad">{% translate "refused" %}</mark><ul class="errorlist">{% for e in row.errors %}<li>{% if e.column %}{{ e.letter }}“{{ e.column }}”：{% endif %}{{ e.message }}</li>{% endfor %}</ul>{% endif %}
        {% if row.awaiting %}<br><small class="awaiting">{% translate "waiting for the unit head" %}</small>{% endif %}
        {% if upload.status == "confirmed" and row.report_id %}{% if row.action == "create" or row.action == "edit" %}<br><a href="{% url 'tasks:report_evidence' row.report_id %}" class="small" data-testid="add-evidence">{% translate "Add evidence" %}</a>{% endif %}{% endif %}
      </td>
      <td data-label="{% translate 'Progress' %}">{% if row.percent or row.percent == 0 %}{% if row.action == "create" or row.action == "edit" %}{% if row.progress != row.percent %}{{ row.progress }}% → {% endif %}{% endif %}<strong>{{ row.percent }}%</strong>{% endif %}</td>
      <td data-label="{% translate 'What was done' %}">{{ row.text|default:""|truncatechars:120 }}{% if row.obstacles %}<br><small class="muted">{% translate "Obstacles" %}：{{ row.obstacles|truncatechars:60 }}</small>{% endif %}</td>
      <td data-label="{% translate 'Targets' %}">{% for label in row.target_labels %}{{ label.0 }}：{{ label.1 }}{% if not forloop.last %}<br>{% endif %}{% endfor %}</td>
    </tr>{% endfor %}</tbody>"""

ROWS = [
    {
        "row": 5,
        "task_id": 11,
        "code": "1",
        "title": "优化<营商>环境 & “一网通办”",
        "key": "k",
        "action": "create",
        "errors": [],
        "progress": 20,
        "percent": 30,
        "text": "完成" * 80,
        "obstacles": "资金<不足>" * 10,
        "next_steps": "",
        "targets": {"3": "5"},
        "target_labels": [["新增企业（户）", "5"], ["<b>", "1.5"]],
        "version": 2,
        "report_id": 7,
    },
    {
        "row": 6,
        "task_id": 12,
        "code": "2",
        "title": "t",
        "action": "edit",
        "errors": [],
        "progress": 40,
        "percent": 40,
        "text": "",
        "obstacles": "",
        "targets": {},
        "target_labels": [],
        "report_id": 8,
        "report_version": 1,
        "awaiting": True,
    },
    {
        "row": 7,
        "task_id": 13,
        "code": "3",
        "title": "t",
        "action": "unchanged",
        "errors": [],
        "progress": 0,
        "percent": 0,
        "text": "同上",
        "obstacles": "",
        "report_id": 9,
    },
    {"row": 8, "task_id": 14, "code": "4", "title": "空", "action": "empty", "errors": []},
    {
        "row": 9,
        "task_id": None,
        "code": "",
        "title": "",
        "key": "",
        "action": "error",
        "errors": [{"column": "编号（勿改）", "letter": "Q", "message": "不是本表的任务 <x>"}],
    },
    {
        "row": 10,
        "task_id": 15,
        "code": "5",
        "title": "x",
        "action": "error",
        "errors": [
            {"column": "", "letter": "", "message": "本轮已结束"},
            {"column": "进度（%）", "letter": "E", "message": "0–100"},
        ],
        "progress": 10,
        "percent": None,
    },
    {
        "row": 1234,
        "task_id": 16,
        "code": "6",
        "title": "y",
        "action": "create",
        "errors": [],
        "progress": 100,
        "percent": 100,
        "text": None,
        "obstacles": None,
        "awaiting": False,
        "target_labels": None,
    },
    {"row": 12, "action": "create"},
]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("status", ["checked", "confirmed"])
def test_the_rows_are_what_the_templates_loop_wrote(language, status):
    upload = SimpleNamespace(status=status, rows=ROWS)
    with translation.override(language):
        before = Template("{% load i18n %}" + LOOP).render(Context({"upload": upload}))
        after = Template("{% load upload_rows %}  <tbody>{% upload_rows upload %}</tbody>").render(
            Context({"upload": upload})
        )
    assert after == before
    assert after.count('data-testid="upload-row"') == len(ROWS)
