"""The demo's 揭榜挂帅 calls and problem ledger, through the apps' services
(``challenges.services``, ``problems.services``), so they leave their history.

On the district action list (“制度执行年”行动攻坚清单暨“揭榜挂帅”榜单):

* a call published three weeks ago whose bids closed yesterday: 区行政审批服务局 (the
  `staff` login's unit) and 区市场监管局 bid, 区大数据局 bid and withdrew; the leader and the
  coordinator assessed both bids today and the leader awarded the first, so the claimed task
  waits in `staff`'s 我的任务 for its 签收; 区市场监管局 was told;
* an open call, bids closing in ten days, that 区住房城乡建设局 has bid on and `staff` may
  still bid on;
* the seed's problem ledger: 8 problems, 2 resolved, 2 referred to the city (one answered),
  4 being coordinated, raised over the past weeks from the tasks' reports and by the office.

On the new-area campaign, one problem about conduct at a service window referred to
区纪委监委 and answered (a referral of a problem, never a transfer of a task).
Idempotent: a campaign that has calls, or problems, is left alone.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from accounts.models import Unit, User
from campaigns.models import Campaign, TaskList
from challenges.models import Call
from challenges.services import bid_assess, bid_award, bid_submit, bid_withdraw, call_publish
from demo.content import APPROVAL
from problems.models import Problem
from problems.services import (
    problem_answer,
    problem_assign,
    problem_raise,
    problem_refer,
    problem_resolve,
)
from tasks.models import ProgressReport

if TYPE_CHECKING:
    from demo.services import DemoBuilder

CRITERIA = [
    {"name": "方案可行性", "points": 40},
    {"name": "目标先进性", "points": 30},
    {"name": "保障措施", "points": 30},
]


def build_calls_and_problems(
    builder: DemoBuilder, *, action: Campaign, new_area: Campaign, coordinator: User
) -> None:
    with transaction.atomic():
        build_calls(builder, campaign=action, coordinator=coordinator)
    with transaction.atomic():
        build_ledger(builder, campaign=action, coordinator=coordinator)
    with transaction.atomic():
        build_referral(builder, campaign=new_area, coordinator=coordinator)


def _days(n: float) -> datetime.timedelta:
    return datetime.timedelta(days=n)


# --- 揭榜挂帅 ------------------------------------------------------------------------------
def build_calls(builder: DemoBuilder, *, campaign: Campaign, coordinator: User) -> None:
    if Call.objects.filter(campaign=campaign).exists():
        return
    now = timezone.now()
    leader = User.objects.get(username="leader")
    staff = User.objects.get(username="staff")
    task_list = campaign.lists.filter(kind=TaskList.Kind.REFORM).order_by("order").first()
    assert task_list is not None
    published = now - _days(21)
    call = call_publish(
        campaign=campaign,
        by=coordinator,
        task_list=task_list,
        title="推进“一件事一次办”集成改革",
        goal="企业开办、不动产登记等10个“一件事”实现一次申请、一窗受理、一次办结。",
        conditions="具备业务系统改造能力；主要负责同志挂帅，明确专班。",
        claim_deadline=now - _days(1),
        complete_by=builder.today + _days(150),
        criteria=CRITERIA,
        targets=[
            {
                "metric": "“一件事”一次办结率",
                "unit_of_measure": "%",
                "baseline": 40,
                "threshold": 90,
            },
            {
                "metric": "平均办理时限",
                "unit_of_measure": "工作日",
                "baseline": 5,
                "threshold": 2,
                "direction": "lower",
            },
        ],
        now=published,
    )
    targets = list(call.targets.all())
    bids = [
        (staff, "张局长", "整合10个事项流程，改造一窗受理系统，设立专班。", (95, 1), 120),
        (
            builder.liaison(builder.unit("区市场监管局")),
            "刘局长",
            "以企业开办为突破口逐步推开。",
            (90, 2),
            140,
        ),
        (
            builder.liaison(builder.unit("区大数据局")),
            "陈主任",
            "以数据共享为主线推进。",
            (92, 2),
            130,
        ),
    ]
    made = []
    for index, (who, commander, plan, values, days) in enumerate(bids):
        made.append(
            bid_submit(
                call=call,
                by=who,
                plan=plan,
                commander=commander,
                specific_owner=str(who),
                complete_by=builder.today + _days(days),
                supporting_units=[builder.unit("区大数据局")] if index == 0 else [],
                targets={t.pk: v for t, v in zip(targets, values, strict=True)},
                now=published + _days(3 + index * 4),
            )
        )
    bid_withdraw(bid=made[2], by=made[2].submitted_by, now=published + _days(16))
    criteria = list(call.criteria.all())
    for assessor, scores in (
        (leader, ((36, 27, 26), (30, 22, 24))),
        (coordinator, ((35, 28, 27), (31, 21, 25))),
    ):
        for bid, points in zip(made[:2], scores, strict=True):
            bid_assess(
                bid=bid,
                by=assessor,
                scores={c.pk: p for c, p in zip(criteria, points, strict=True)},
                comment="方案扎实，目标先进。" if bid is made[0] else "方案可行，保障措施需加强。",
            )
    bid_award(bid=made[0], by=leader)

    open_call = call_publish(
        campaign=campaign,
        by=coordinator,
        task_list=task_list,
        title="破解工程建设项目审批“体外循环”",
        goal="工程建设项目审批全部纳入系统流转，杜绝线下审批。",
        conditions="牵头部门主要负责同志挂帅。",
        claim_deadline=now + _days(10),
        criteria=CRITERIA,
        targets=[
            {"metric": "线上流转率", "unit_of_measure": "%", "baseline": 70, "threshold": 100}
        ],
        now=now - _days(4),
    )
    housing = builder.liaison(builder.unit("区住房城乡建设局"))
    bid_submit(
        call=open_call,
        by=housing,
        plan="全面清理线下审批事项，纳入系统统一流转。",
        commander="孙局长",
        specific_owner=str(housing),
        complete_by=builder.today + _days(90),
        targets={open_call.targets.get().pk: 100},
        now=now - _days(2),
    )


# --- 问题台账 ------------------------------------------------------------------------------
LEDGER = [
    # (title, where, state, referral answer or resolution)
    (
        "市级政务服务平台接口未开放，“零跑动”事项无法全程网办",
        "政务服务大厅",
        "referred",
        "市大数据局：第三季度开放接口",
    ),
    ("棚改征收补偿标准需市级批复", "罗蓬村片区", "referred", ""),
    ("部分配合单位材料报送不及时", "", "resolved", "已召开协调会，明确报送时限"),
    ("学位建设用地指标不足", "", "resolved", "已调剂用地指标"),
    ("医保经办窗口人员不足", "各社区服务站", "coordinating", ""),
    ("路灯维护经费未落实", "", "coordinating", ""),
    ("网格员底数与实际不符", "", "coordinating", ""),
    ("机构编制调整涉及多部门会签", "", "coordinating", ""),
]


def build_ledger(builder: DemoBuilder, *, campaign: Campaign, coordinator: User) -> None:
    """The seed's 8 problems (2 resolved, 2 referred to the city, 4 coordinated), each raised
    about one of the list's tasks: from its unit's last report with an obstacle, else by the
    office."""
    if Problem.objects.filter(campaign=campaign).exists():
        return
    now = timezone.now()
    tasks = list(
        campaign.lists.get()
        .tasks.filter(claimed=False)
        .select_related("lead_unit")
        .order_by("order")
    )
    for index, (title, where, state, outcome) in enumerate(LEDGER):
        task = tasks[index % len(tasks)]
        raised_at = now - _days(35 - index * 3)
        report = (
            ProgressReport.objects.filter(
                task=task, unit=task.lead_unit, submitted_at__lt=raised_at
            )
            .order_by("-submitted_at")
            .first()
        )
        problem = problem_raise(
            campaign=campaign,
            by=report.submitted_by if report else coordinator,
            title=title,
            description=f"{task.code}. {task.title}：{title}。",
            location=where,
            report=report,
            task=None if report else task,
            unit=None if report else task.lead_unit,
            at=raised_at,
        )
        _work(problem, state=state, outcome=outcome, coordinator=coordinator, at=raised_at)


def _work(problem: Problem, *, state: str, outcome: str, coordinator: User, at) -> None:
    today = timezone.localdate()
    if state == "referred":
        problem_refer(
            problem=problem,
            by=coordinator,
            referral=Problem.Referral.CITY,
            referred_to=outcome.split("：")[0] if outcome else "市政府办公室",
            referred_on=timezone.localdate(at + _days(2)),
            note="超出区级权限，报请市级协调。",
            at=at + _days(2),
        )
        if outcome:
            problem_answer(
                problem=problem,
                by=coordinator,
                answer=outcome,
                answered_on=timezone.localdate(at + _days(9)),
                at=at + _days(9),
            )
        return
    problem_assign(
        problem=problem,
        by=coordinator,
        unit=problem.unit,
        due_date=today + _days(14),
        note="请牵头协调，限期解决。",
        at=at + _days(1),
    )
    if state == "resolved":
        problem_resolve(problem=problem, by=coordinator, resolution=outcome, at=at + _days(8))


def build_referral(builder: DemoBuilder, *, campaign: Campaign, coordinator: User) -> None:
    """A discipline matter on the new-area campaign, referred to 区纪委监委 and answered."""
    if Problem.objects.filter(campaign=campaign).exists():
        return
    if not Unit.objects.filter(kind=Unit.Kind.SUPERVISION).exists():
        return
    now = timezone.now()
    approval = builder.unit(APPROVAL)
    problem = problem_raise(
        campaign=campaign,
        by=coordinator,
        title="窗口工作人员推诿扯皮、吃拿卡要问题线索",
        description="群众反映企业开办窗口多次要求补充材料、拖延办理。",
        location="区政务服务大厅企业开办窗口",
        unit=approval,
        at=now - _days(12),
    )
    problem_refer(
        problem=problem,
        by=coordinator,
        referral=Problem.Referral.DISCIPLINE,
        referred_on=timezone.localdate(now - _days(11)),
        note="涉及作风纪律问题，移交纪委监委处理。",
        at=now - _days(11),
    )
    problem_answer(
        problem=problem,
        by=coordinator,
        answer="已受理，对相关人员开展谈话提醒，督促整改。",
        answered_on=timezone.localdate(now - _days(4)),
        at=now - _days(4),
    )
