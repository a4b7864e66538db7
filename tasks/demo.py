"""The demo: two campaigns built from the sample lists governments publish, with history.

Run by ``python manage.py load_demo`` (and by ``python3 dev.py run``). Idempotent: units,
users and campaigns are matched by name, and a list that already has tasks is left alone, so
a second run adds nothing and takes a second.
"""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, Unit, User
from accounts.services import unit_ensure, user_ensure
from campaigns.importing.deadlines import parse_deadline
from campaigns.importing.units import pick_lead, split_units
from campaigns.importing.workbook import parse_workbook
from campaigns.models import TaskList
from campaigns.services import campaign_ensure, category_ensure, task_list_ensure
from tasks.models import Instruction, Task, TaskRequest
from tasks.services import (
    events_dated,
    instruction_give,
    report_record,
    request_create,
    task_create,
    task_update,
)

SAMPLES = Path(settings.BASE_DIR) / "tests" / "fixtures" / "samples"
SAMPLE_YEAR = 2020  # the year the new-area lists were published

DISTRICT = "青岛西海岸新区"
OFFICE = "区营商环境建设办公室"
APPROVAL = "区行政审批服务局"

# Short names seen in lists and chats for units of the directory.
ALIASES = {
    "区住房城乡建设局": ["区住建局"],
    "区发展改革局": ["区发改局"],
    "区人力资源社会保障局": ["区人社局"],
    "区行政审批服务局": ["区审批局", "区行政审批局"],
    "区市场监管局": ["区市场监督管理局"],
    "区自然资源局": ["区自然资源和规划局"],
    "区大数据局": ["区大数据发展管理局"],
}

CHECKLIST_AREAS = {
    "政务服务": ["是否公开办事指南", "是否实现一窗受理", "是否落实首问负责", "是否推行容缺受理"],
    "工程建设": ["是否压减审批时限", "是否推行联合验收", "是否实行告知承诺", "是否开展帮办代办"],
    "市场监管": ["是否推行双随机抽查", "是否公示抽查结果", "是否建立信用档案", "是否规范行政处罚"],
    "要素保障": ["是否保障用地需求", "是否落实减税降费", "是否兑现惠企政策", "是否畅通融资渠道"],
    "作风建设": ["是否按时回应诉求", "是否存在推诿扯皮", "是否落实限时办结", "是否开展满意度回访"],
}

MEASURES = [
    ("月度“红榜”通报表扬", "对当月认定为“按期推进”比例最高的3个单位在全区通报表扬。"),
    ("月度“黑榜”通报批评", "对当月认定为“进度滞后”任务最多的单位通报批评。"),
    ("年度考核加分", "对全年任务按期完成率100%的单位在年度综合考核中加分。"),
    ("约谈问责", "连续两个月进度滞后的，由分管区领导约谈单位主要负责人。"),
    ("揭榜挂帅奖励", "对主动揭榜并按期完成攻坚任务的单位给予专项奖励。"),
    ("容错免责", "对改革创新中出现失误但符合容错情形的予以免责。"),
    ("督查督办", "对逾期未完成任务下发督办单，限期整改。"),
    ("典型经验推广", "对形成可复制经验的改革举措在全区推广。"),
    ("评先树优倾斜", "评先树优向改革攻坚成效突出的单位和个人倾斜。"),
    ("整改销号复查", "已销号任务三个月后开展跟踪问效复查。"),
]

REPORT_LINES = [
    "已召开专题会议研究推进，明确责任分工和时间节点。",
    "已完成方案起草，正在征求相关部门意见。",
    "已组织业务培训，窗口人员全部完成上岗学习。",
    "系统改造已完成测试，正在试运行。",
    "已完成阶段目标，正在总结经验做法。",
    "已对接市级部门，争取政策支持。",
]
OBSTACLES = ["", "", "需市级部门系统对接支持。", "部分配合单位材料报送不及时。"]


@dataclass
class DemoResult:
    units: int
    users: int
    tasks_created: int


def _rng(*parts) -> random.Random:
    return random.Random("|".join(str(p) for p in parts))


def _shift(date: datetime.date | None, days: int) -> datetime.date | None:
    """Move a sample deadline into our time so the demo shows a mix of lights."""
    return None if date is None else date + datetime.timedelta(days=days)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime | datetime.date):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value).strip().rstrip("%"))
    except InvalidOperation:
        return None


class DemoBuilder:
    def __init__(self, *, password: str, today: datetime.date | None = None):
        self.password = password
        self.today = today or timezone.localdate()
        self.units: dict[str, Unit] = {}
        self.liaisons: dict[int, User] = {}
        self.created = 0

    # --- directory ------------------------------------------------------------------------
    def unit(self, name: str) -> Unit:
        if name not in self.units:
            kind = Unit.Kind.BUREAU
            if name.endswith(("街道", "镇", "街道办事处")):
                kind = Unit.Kind.TOWN
            elif name.startswith("各") or "委会" in name:
                kind = Unit.Kind.COMMUNITY
            elif name.startswith(("区委", "区纪委")):
                kind = Unit.Kind.PARTY
            self.units[name] = unit_ensure(
                name=name, kind=kind, parent=self.district, aliases=ALIASES.get(name, ())
            )
        return self.units[name]

    def build_directory(self) -> None:
        self.district = unit_ensure(name=DISTRICT, kind=Unit.Kind.DISTRICT)
        self.units[DISTRICT] = self.district
        for name in (OFFICE, APPROVAL, "区政府办公室", "区委督查室", *ALIASES):
            self.unit(name)

    def build_users(self) -> int:
        office, approval = self.unit(OFFICE), self.unit(APPROVAL)
        government = self.unit("区政府办公室")
        people = [
            ("coordinator", office, [Role.COORDINATOR], "王协调"),
            ("leader", government, [Role.LEADER], "李区长"),
            ("staff", approval, [Role.STAFF], "张联络"),
            ("head", approval, [Role.HEAD], "赵局长"),
            ("auditor", government, [Role.AUDITOR], "审计管理员"),
            ("sysadmin", government, [Role.SYSADMIN], "系统管理员"),
            ("secadmin", government, [Role.SECADMIN], "安全管理员"),
        ]
        for username, unit, roles, name in people:
            user = user_ensure(
                username=username,
                password=self.password,
                unit=unit,
                roles=roles,
                display_name=name,
                email=f"{username}@demo.qingdan.local",
            )
            if username == "staff":
                self.liaisons[approval.pk] = user
        return len(people)

    def liaison(self, unit: Unit) -> User:
        """The person who reports for a unit in the demo history."""
        if unit.pk not in self.liaisons:
            user, created = User.objects.get_or_create(
                username=f"liaison{unit.pk}",
                defaults={"unit": unit, "display_name": f"{unit.name}联络员"},
            )
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
                user.roles.create(role=Role.STAFF)
            self.liaisons[unit.pk] = user
        return self.liaisons[unit.pk]

    # --- lists ----------------------------------------------------------------------------
    def import_sample(self, task_list: TaskList, filename: str, *, year: int) -> None:
        if task_list.tasks.exists():
            return
        for sheet in parse_workbook(SAMPLES / filename):
            categories = {
                c.name: category_ensure(
                    task_list=task_list, name=c.name, code=c.code or "", order=c.order
                )
                for c in sheet.categories
            }
            task_list.layout = {"headers": sheet.headers, "source": filename}
            task_list.save(update_fields=["layout"])
            for order, row in enumerate(sheet.rows, start=1):
                self.task_from_row(task_list, row, categories, order=order, year=year)

    def task_from_row(self, task_list, row, categories, *, order: int, year: int) -> Task:
        values = row.values
        mentions = split_units(_text(values.get("lead_unit")))
        lead, rest = pick_lead(mentions)
        supporting = [m.name for m in rest] + [
            m.name for m in split_units(_text(values.get("supporting_units")))
        ]
        lead_unit = self.unit(lead.name) if lead else self.unit(OFFICE)
        supporting_units = [self.unit(name) for name in dict.fromkeys(supporting)]
        supporting_units = [u for u in supporting_units if u.pk != lead_unit.pk]
        deadline = parse_deadline(values.get("deadline"), default_year=year)
        # The samples' deadlines lie years back; move them by whole days so that the middle of
        # their year (30 September) falls three weeks from today: some red, some yellow, most green.
        shift = (self.today + datetime.timedelta(days=21) - datetime.date(year, 9, 30)).days
        date = _shift(deadline.date, shift)
        text = f"{date.year}年{date.month}月{date.day}日前" if date else deadline.text
        targets = []
        if values.get("target_metric"):
            metric = _text(values["target_metric"])
            uom = metric[metric.find("(") + 1 : -1] if metric.endswith(")") else ""
            current = _decimal(values.get("current_value"))
            targets.append(
                {
                    "metric": metric,
                    "unit_of_measure": uom,
                    "baseline": current,
                    "target_value": _decimal(values.get("target_value")) or Decimal(0),
                    "current_value": current,
                }
            )
        extra = {key: _text(value) for key, value in row.extra.items() if _text(value)}
        with events_dated(self.listed_at(task_list)):
            task = task_create(
                task_list=task_list,
                code=_text(values.get("code")) or str(order),
                title=_text(values.get("title"))[:500],
                content=_text(values.get("content")),
                source=_text(values.get("source"))[:200],
                lead_unit=lead_unit,
                supporting_units=supporting_units,
                category=categories.get(row.category) if row.category else None,
                principal_owner_name=_text(values.get("principal_owner"))[:50],
                leader_in_charge_name=_text(values.get("leader_in_charge"))[:50],
                specific_owner_name=_text(values.get("specific_owner"))[:50],
                deadline=date,
                deadline_text=text[:100],
                ongoing=deadline.ongoing,
                extra=extra,
                order=order,
                targets=targets,
            )
        self.created += 1
        self.add_history(task)
        return task

    def listed_at(self, task_list: TaskList) -> datetime.datetime:
        """When the demo's tasks were listed: the morning their campaign started, so that the
        reviews of past months judge them (a task created later did not exist then)."""
        start = datetime.datetime.combine(task_list.campaign.start_date, datetime.time(9, 0))
        return timezone.make_aware(start)

    def add_history(self, task: Task) -> None:
        """Reports over past weeks, and a few tasks closed or awaiting sign-off."""
        rng = _rng(task.task_list_id, task.code)
        weeks = rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 8])
        percent = 0
        reporter = self.liaison(task.lead_unit)
        for week in range(weeks, 0, -1):
            percent = min(100, percent + rng.choice([5, 10, 15, 20, 25]))
            at = timezone.now() - datetime.timedelta(weeks=week, hours=rng.randint(0, 72))
            report_record(
                task=task,
                by=reporter,
                unit=task.lead_unit,
                text=rng.choice(REPORT_LINES),
                percent=percent,
                obstacles=rng.choice(OBSTACLES),
                next_steps="按计划推进下一阶段工作。",
                submitted_at=at,
            )
        if percent >= 100:
            closed = rng.random() < 0.7
            with events_dated(at + datetime.timedelta(hours=2)):  # after the last report
                task_update(
                    task=task,
                    by=reporter,
                    status=Task.Status.CLOSED if closed else Task.Status.AWAITING_SIGNOFF,
                )

    def generated_list(self, task_list: TaskList, rows: list[dict]) -> None:
        if task_list.tasks.exists():
            return
        bureaus = [self.unit(name) for name in ALIASES]
        for order, row in enumerate(rows, start=1):
            category = row.pop("category", None)
            rng = _rng(task_list.name, order)
            days = rng.choice([-20, -3, 0, 5, 12, 25, 45, 90, 150, None])
            with events_dated(self.listed_at(task_list)):
                task = task_create(
                    task_list=task_list,
                    code=str(order),
                    category=category_ensure(
                        task_list=task_list, name=category[1], code=category[0]
                    )
                    if category
                    else None,
                    lead_unit=bureaus[order % len(bureaus)],
                    deadline=None if days is None else self.today + datetime.timedelta(days=days),
                    deadline_text="长期坚持" if days is None else "",
                    ongoing=days is None,
                    order=order,
                    **row,
                )
            self.created += 1
            self.add_history(task)

    # --- campaigns ------------------------------------------------------------------------
    def build(self) -> DemoResult:
        self.build_directory()
        users = self.build_users()
        coordinator = User.objects.get(username="coordinator")
        year = self.today.year
        new_area = campaign_ensure(
            slug="new-area-ecosystem",
            name="打造精简高效政务新生态改革攻坚行动",
            year=year,
            organiser=self.unit(OFFICE),
            coordinators=[coordinator],
            start_date=self.today - datetime.timedelta(days=180),
            end_date=datetime.date(year + 1, 12, 31),
            description="一周一调度、一月一认定、销号管理、跟踪问效。",
            requires_head_confirmation=True,
        )
        lists = [
            ("改革攻坚任务清单", TaskList.Kind.REFORM, "reform-tasks.xlsx"),
            ("涉企惠企政策落实清单", TaskList.Kind.POLICY, "policies.xlsx"),
            ("高频和重点民生服务事项优化清单", TaskList.Kind.SERVICE, "service-items.xlsx"),
        ]
        for order, (name, kind, filename) in enumerate(lists):
            task_list = task_list_ensure(
                campaign=new_area, name=name, kind=kind, order=order, source_document=filename
            )
            with transaction.atomic():
                self.import_sample(task_list, filename, year=SAMPLE_YEAR)
        checklist = task_list_ensure(
            campaign=new_area, name="督查检查“100个是否”清单", kind=TaskList.Kind.CHECKLIST, order=3
        )
        questions = []
        for code, (area, stems) in zip("一二三四五", CHECKLIST_AREAS.items(), strict=True):
            for index in range(20):
                stem = stems[index % len(stems)]
                questions.append(
                    {"category": (code, area), "title": f"{stem}（第{index // 4 + 1}轮检查）"}
                )
        with transaction.atomic():
            self.generated_list(checklist, questions)
        measures = task_list_ensure(
            campaign=new_area, name="激励惩戒措施清单", kind=TaskList.Kind.MEASURE, order=4
        )
        with transaction.atomic():
            self.generated_list(
                measures, [{"title": title, "content": content} for title, content in MEASURES]
            )

        action = campaign_ensure(
            slug="institution-year-action",
            name="“制度执行年”行动攻坚清单暨“揭榜挂帅”榜单",
            year=year,
            organiser=self.unit("区委督查室"),
            coordinators=[coordinator],
            start_date=self.today - datetime.timedelta(days=120),
            end_date=datetime.date(year, 12, 31),
        )
        action_list = task_list_ensure(
            campaign=action,
            name="区级攻坚清单",
            kind=TaskList.Kind.REFORM,
            order=0,
            source_document="campaign-targets.xlsx",
        )
        with transaction.atomic():
            self.import_sample(action_list, "campaign-targets.xlsx", year=2022)
        self.build_workflow()
        return DemoResult(units=Unit.objects.count(), users=users, tasks_created=self.created)

    def build_workflow(self) -> None:
        """A few requests and instructions, so the queue and the flags have something to show."""
        if TaskRequest.objects.exists() or Instruction.objects.exists():
            return
        staff = User.objects.get(username="staff")
        leader = User.objects.get(username="leader")
        coordinator = User.objects.get(username="coordinator")
        mine = list(
            Task.objects.filter(lead_unit=staff.unit, status=Task.Status.IN_PROGRESS)
            .select_related("task_list__campaign")
            .order_by("task_list__order", "order")[:4]
        )
        if len(mine) < 4:
            return
        evidence = ContentFile(b"%PDF-1.4\n% demo evidence\n", name="验收材料.pdf")
        request_create(
            task=mine[0],
            by=staff,
            kind=TaskRequest.Kind.CLOSEOUT,
            reason="已按要求全部完成，附验收材料，申请销号。",
            files=[evidence],
        )
        request_create(
            task=mine[1],
            by=staff,
            kind=TaskRequest.Kind.EXTENSION,
            reason="需市级系统对接，申请延期。",
            proposed_deadline=max(mine[1].deadline or self.today, self.today)
            + datetime.timedelta(days=60),
        )
        instruction_give(task=mine[2], by=leader, text="请于本周五前报送最新进展，加快推进。")
        instruction_give(task=mine[3], by=coordinator, text="请补充佐证材料。")


def demo_load(*, password: str, today: datetime.date | None = None) -> DemoResult:
    return DemoBuilder(password=password, today=today).build()
