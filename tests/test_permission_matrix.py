"""Every URL × method × role, generated from the URL configuration.

A route added later without an entry in MATRIX (or a reason in NOT_TASK_RELATED) fails
``test_every_route_has_an_entry``. Each refusal also checks that nothing changed.

The scene is built once for the module (``module_db``); each case runs in its own transaction,
rolled back to the scene afterwards, so no case sees what another one did.
"""

import datetime
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import Role, Unit, User, UserSession
from api.models import ApiToken
from campaigns.models import Campaign, CampaignEvent, ListImport, TaskList
from campaigns.services.imports import tasklist_import
from campaigns.services.list_imports import list_import_create
from challenges.models import Assessment, Bid, Call, CallEvent
from challenges.services import bid_submit, call_publish
from cockpit.models import Screen
from cockpit.services import screen_create
from cycles.models import MonthlyReview, RankingFormula, RankingFormulaEvent, ReviewItem
from cycles.schedule import round_times
from cycles.services import review_open, round_open
from exports.models import ListExport
from inspections.models import Answer, AnswerEvent, AnswerFile, InspectionRound, Rectification
from inspections.services import answer_submit
from inspections.services import round_open as inspection_round_open
from measures.models import Application, ApplicationEvent, Measure
from measures.services import application_add
from notifications.models import Channel, Delivery, Notification
from notifications.services import notify
from problems.models import Problem, ProblemEvent
from problems.services import problem_raise, problem_refer
from reporting.models import ReportUpload
from reporting.selectors import owed_tasks
from reporting.services import upload_check
from reporting.workbook import owed_workbook
from tasks.models import (
    Evidence,
    Followup,
    Instruction,
    ProgressReport,
    Task,
    TaskEvent,
    TaskRequest,
)
from tasks.services import instruction_give, report_submit, request_create, task_create
from tests.api.matrix import API_MATRIX
from tests.campaigns.conftest import xlsx
from tests.conftest import build_world
from tests.factories import TaskFactory, TaskListFactory, UserFactory
from tests.reporting.sheets import fill
from tests.tasks import files
from webhooks.models import Subscription, WebhookDelivery

PLAN = (Path(__file__).parent / "fixtures" / "samples" / "plan-document.txt").read_bytes()

ROLES = (
    "lead",
    "support",
    "other",
    "head",
    "coord",
    "other_coord",
    "leader",
    "auditor",
    "sysadmin",
    "secadmin",
    "anon",
)
# The three administrators (三员分立) see no task content: wherever a route answers 404 to an
# outsider, it answers 404 to them.
ADMINS = ("auditor", "sysadmin", "secadmin")

# Routes that carry no task content, and why.
NOT_TASK_RELATED = {
    "login": "the login form",
    "logout": "POST-only logout of one's own session",
    "healthz": "liveness: database and heartbeat ages, no content",
    "set_language": "Django's language switch",
    "favicon": "the site's icon",
    "api-root": "DRF's list of endpoints, no data",
}


def codes(**by_role) -> dict:
    """Expected status per role; ``rest`` fills the roles not named."""
    rest = by_role.pop("rest", None)
    table = {role: by_role.get(role, rest) for role in ROLES}
    assert None not in table.values(), by_role
    return table


SEE_TASK = codes(other=404, other_coord=404, **dict.fromkeys(ADMINS, 404), anon=302, rest=200)
# A GET on an address that only takes a form returns to the page the form is on (that page
# then answers as it would); where finding that page means reading a task's report, request,
# instruction or follow-up, only those who see the task are sent there.
POST_ONLY = codes(anon=302, rest=302)
POST_ONLY_ON_TASK = codes(
    other=404, other_coord=404, **dict.fromkeys(ADMINS, 404), anon=302, rest=302
)
# Importing is for the campaign's coordinators; anyone else does not learn the page exists.
COORD_ONLY_GET = codes(coord=200, anon=302, rest=404)
# The campaign's coordinators act; others who see the campaign are refused, the rest 404.
COORD_ACTS = codes(coord=200, lead=403, head=403, support=403, leader=403, anon=302, rest=404)
UNIT_PEOPLE = codes(lead=200, head=200, support=200, other=200, anon=302, rest=404)
COORD_POSTS = codes(coord=302, lead=403, head=403, support=403, leader=403, anon=302, rest=404)

# The API (session here; its tokens are tested with the API): 403 without a login, 404 for a
# row the caller may not see, 405 for GET on a write. API_ANON: what the API answers without a
# login (DRF's 403 with session authentication only; 401 once a token scheme is offered).
API_ANON = 401
API_SEES_CAMPAIGN = codes(
    other=404, other_coord=404, **dict.fromkeys(ADMINS, 404), anon=API_ANON, rest=200
)
API_UNIT_PEOPLE = codes(lead=200, head=200, support=200, other=200, anon=API_ANON, rest=404)
API_POST_ONLY = codes(anon=API_ANON, rest=405)
API_COORD_ACTS = codes(
    coord=200,
    lead=403,
    head=403,
    support=403,
    leader=403,
    other=404,
    other_coord=404,
    **dict.fromkeys(ADMINS, 404),
    anon=API_ANON,
)
# The monthly bulletin of a month not certified yet: a conflict (409) for those who see it.
API_NOT_YET = codes(
    other=404, other_coord=404, **dict.fromkeys(ADMINS, 404), anon=API_ANON, rest=409
)
# A month's draft ranking: its coordinators and leaders; units once it is certified.
API_DRAFT_RANKING = codes(coord=200, leader=200, lead=403, head=403, support=403, rest=404)
API_DRAFT_RANKING["anon"] = API_ANON

MATRIX = {
    "home": {"GET": codes(sysadmin=200, secadmin=200, anon=302, rest=302)},
    "password_change": {"GET": codes(anon=302, rest=200), "POST": codes(anon=302, rest=400)},
    "second_factor": {"GET": codes(anon=302, rest=302), "POST": codes(anon=302, rest=302)},
    "second_factor_setup": {"GET": codes(anon=302, rest=200), "POST": codes(anon=302, rest=400)},
    "sessions": {"GET": codes(anon=302, rest=200)},
    # Another person's session: 404 to everyone (only one's own can be ended here).
    "session_revoke": {"POST": codes(leader=302, anon=302, rest=404), "GET": POST_ONLY},
    "session_keepalive": {"GET": codes(anon=302, rest=204), "POST": codes(anon=302, rest=204)},
    "audit:events": {"GET": codes(auditor=200, anon=302, rest=404)},
    "audit:export": {"GET": codes(auditor=200, anon=302, rest=404)},
    "audit:integrity": {"GET": codes(auditor=200, anon=302, rest=404)},
    # The system administrator merges units (tests/accounts/test_merging.py).
    "unit_merge": {
        "GET": codes(sysadmin=200, anon=302, rest=404),
        "POST": codes(sysadmin=302, anon=302, rest=404),
    },
    "notifications": {"GET": codes(anon=302, rest=200)},
    "notifications_read_all": {"POST": codes(anon=302, rest=302), "GET": POST_ONLY},
    "notification_open": {"POST": codes(lead=302, anon=302, rest=404), "GET": POST_ONLY},
    "notification_settings": {"GET": codes(anon=302, rest=200), "POST": codes(anon=302, rest=302)},
    # The system administrator runs the robots and mail, so sees and retries every failure.
    "deliveries_failed": {
        "GET": codes(coord=200, other_coord=200, sysadmin=200, anon=302, rest=404)
    },
    "delivery_retry": {
        "POST": codes(coord=302, sysadmin=302, anon=302, rest=404),
        "GET": POST_ONLY,
    },
    # Webhooks to other systems are the system administrator's alone (no campaign's).
    "webhook_delivery_retry": {
        "POST": codes(sysadmin=302, anon=302, rest=404),
        "GET": POST_ONLY,
    },
    "tasks:mine": {"GET": codes(anon=302, rest=200)},
    "tasks:requests": {"GET": codes(coord=200, other_coord=200, anon=302, rest=404)},
    "tasks:detail": {"GET": SEE_TASK},
    "tasks:history": {"GET": SEE_TASK},
    "tasks:evidence": {"GET": SEE_TASK},
    "tasks:report_submit": {
        "POST": codes(lead=302, support=302, head=302, coord=403, leader=403, anon=302, rest=404),
        "GET": POST_ONLY,
    },
    "tasks:request_create": {
        "POST": codes(lead=302, head=302, support=403, coord=403, leader=403, anon=302, rest=404),
        "GET": POST_ONLY,
    },
    "tasks:instruction_give": {
        "POST": codes(coord=302, leader=302, lead=403, head=403, support=403, anon=302, rest=404),
        "GET": POST_ONLY,
    },
    "tasks:request_decide": {
        "POST": codes(coord=302, lead=403, head=403, support=403, leader=403, anon=302, rest=404),
        "GET": POST_ONLY_ON_TASK,
    },
    "tasks:request_withdraw": {
        "POST": codes(lead=302, head=302, support=403, coord=403, leader=403, anon=302, rest=404),
        "GET": POST_ONLY_ON_TASK,
    },
    "tasks:instruction_answer": {
        "POST": codes(lead=302, head=302, support=403, coord=403, leader=403, anon=302, rest=404),
        "GET": POST_ONLY_ON_TASK,
    },
    # 催办: whoever may give instructions on the task (the campaign's coordinators, leaders).
    "tasks:instruction_urge": {
        "POST": codes(coord=302, leader=302, lead=403, head=403, support=403, anon=302, rest=404),
        "GET": POST_ONLY_ON_TASK,
    },
    "tasks:report_confirm": {
        "POST": codes(head=302, lead=403, support=403, coord=403, leader=403, anon=302, rest=404),
        "GET": POST_ONLY_ON_TASK,
    },
    "tasks:report_edit": {
        "GET": codes(lead=200, head=200, support=403, coord=403, leader=403, anon=302, rest=404),
        "POST": codes(lead=302, head=302, support=403, coord=403, leader=403, anon=302, rest=404),
    },
    "tasks:report_evidence": {
        "GET": codes(lead=200, head=200, support=403, coord=403, leader=403, anon=302, rest=404),
        "POST": codes(lead=302, head=302, support=403, coord=403, leader=403, anon=302, rest=404),
    },
    # 待我确认 › 全部确认: unit heads only; the page does not exist for anyone else.
    "tasks:reports_confirm_all": {"POST": codes(head=302, anon=302, rest=404), "GET": POST_ONLY},
    # 一表填报: unit staff and heads; an upload is its uploader's ("lead" made the scene's).
    "reporting:start": {"GET": UNIT_PEOPLE},
    "reporting:owed_download": {"GET": UNIT_PEOPLE},
    "reporting:upload": {
        "POST": codes(lead=302, head=302, support=302, other=302, anon=302, rest=404),
        "GET": POST_ONLY,
    },
    "reporting:upload_detail": {"GET": codes(lead=200, anon=302, rest=404)},
    "reporting:upload_confirm": {"POST": codes(lead=302, anon=302, rest=404), "GET": POST_ONLY},
    "tasks:followup_record": {
        "POST": codes(coord=302, lead=403, head=403, support=403, leader=403, anon=302, rest=404),
        "GET": POST_ONLY_ON_TASK,
    },
    "cycles:campaign": {"GET": SEE_TASK},
    "cycles:schedule": {
        "GET": codes(coord=200, lead=403, head=403, support=403, leader=403, anon=302, rest=404),
        "POST": codes(coord=302, lead=403, head=403, support=403, leader=403, anon=302, rest=404),
    },
    "cycles:round": {"GET": SEE_TASK},
    "cycles:review": {"GET": SEE_TASK},
    "cycles:review_bulletin": {
        "GET": codes(other=404, other_coord=404, **dict.fromkeys(ADMINS, 404), anon=302, rest=302)
    },
    # The ranking formula is published: whoever sees the campaign reads it; its coordinators
    # change it. The scene's October is not certified: its ranking is a draft, for the
    # coordinators and leaders only (units see it once certified), and so is "why this score".
    "cycles:formula": {"GET": SEE_TASK, "POST": COORD_POSTS},
    "cycles:ranking": {
        "GET": codes(coord=200, leader=200, lead=403, head=403, support=403, anon=302, rest=404)
    },
    "cycles:unit_score": {
        "GET": codes(coord=200, leader=200, lead=403, head=403, support=403, anon=302, rest=404)
    },
    "cycles:review_rate": {
        "POST": codes(coord=302, lead=403, head=403, support=403, leader=403, anon=302, rest=404),
        "GET": POST_ONLY,
    },
    "cycles:review_confirm_all": {
        "POST": codes(coord=302, lead=403, head=403, support=403, leader=403, anon=302, rest=404),
        "GET": POST_ONLY,
    },
    "cycles:review_certify": {
        "POST": codes(coord=302, lead=403, head=403, support=403, leader=403, anon=302, rest=404),
        "GET": POST_ONLY,
    },
    "measures:register": {"GET": SEE_TASK},
    "measures:measures": {"GET": COORD_ACTS},
    "measures:measure_update": {"POST": COORD_POSTS, "GET": POST_ONLY},
    "measures:application_add": {"POST": COORD_POSTS, "GET": POST_ONLY},
    # An applied measure of the lead unit: its staff and heads read it, other units do not.
    "measures:application": {
        "GET": codes(coord=200, leader=200, lead=200, head=200, anon=302, rest=404)
    },
    "measures:application_confirm": {"POST": COORD_POSTS, "GET": POST_ONLY},
    "measures:application_edit": {"POST": COORD_POSTS, "GET": POST_ONLY},
    "measures:application_drop": {"POST": COORD_POSTS, "GET": POST_ONLY},
    # Inspections: "lead" answers in the round (its unit's answer is the one used), "support"
    # too (not that answer: 404), "coord" is the campaign's inspection group, "leader" reads.
    "inspections:index": {"GET": codes(**dict.fromkeys(ADMINS, 404), anon=302, rest=200)},
    "inspections:round_open": {
        "GET": codes(coord=200, anon=302, rest=404),
        "POST": codes(coord=302, anon=302, rest=404),
    },
    "inspections:round": {"GET": codes(coord=200, leader=200, anon=302, rest=404)},
    "inspections:round_close": {
        "POST": codes(coord=302, leader=403, anon=302, rest=404),
        "GET": POST_ONLY,
    },
    "inspections:unit_round": {"GET": codes(lead=200, head=200, support=200, anon=302, rest=404)},
    "inspections:answer": {
        "GET": codes(lead=200, head=200, coord=200, leader=200, anon=302, rest=404)
    },
    "inspections:file": {
        "GET": codes(lead=200, head=200, coord=200, leader=200, anon=302, rest=404)
    },
    "inspections:answer_submit": {
        "POST": codes(lead=302, head=302, coord=403, leader=403, anon=302, rest=404),
        "GET": POST_ONLY,
    },
    "inspections:answer_verify": {
        "POST": codes(coord=302, lead=403, head=403, leader=403, anon=302, rest=404),
        "GET": POST_ONLY,
    },
    # 揭榜挂帅: every unit may bid on the open call ("other" too, so it sees the 榜单); the
    # campaign's coordinators publish and close; coordinators and leaders assess and award
    # (the closed call's bid); a bid is its unit's and its assessors' to read.
    "challenges:index": {"GET": codes(sysadmin=404, secadmin=404, auditor=404, anon=302, rest=200)},
    "challenges:board": {
        "GET": codes(sysadmin=404, secadmin=404, other_coord=404, auditor=404, anon=302, rest=200)
    },
    "challenges:call": {
        "GET": codes(sysadmin=404, secadmin=404, other_coord=404, auditor=404, anon=302, rest=200)
    },
    "challenges:publish": {
        "GET": codes(
            sysadmin=404, secadmin=404, coord=200, other_coord=404, auditor=404, anon=302, rest=403
        ),
        "POST": codes(
            sysadmin=404, secadmin=404, coord=302, other_coord=404, auditor=404, anon=302, rest=403
        ),
    },
    "challenges:close": {
        "POST": codes(
            sysadmin=404, secadmin=404, coord=302, other_coord=404, auditor=404, anon=302, rest=403
        ),
        "GET": POST_ONLY,
    },
    "challenges:bid_submit": {
        "POST": codes(
            sysadmin=404,
            secadmin=404,
            coord=403,
            leader=403,
            other_coord=404,
            auditor=404,
            anon=302,
            rest=302,
        ),
        "GET": POST_ONLY,
    },
    "challenges:bid": {"GET": codes(lead=200, head=200, coord=200, leader=200, anon=302, rest=404)},
    "challenges:bid_withdraw": {
        "POST": codes(lead=302, head=302, coord=403, leader=403, anon=302, rest=404),
        "GET": POST_ONLY,
    },
    "challenges:bid_assess": {
        "POST": codes(coord=302, leader=302, lead=403, head=403, anon=302, rest=404),
        "GET": POST_ONLY,
    },
    "challenges:bid_award": {
        "POST": codes(coord=302, leader=302, lead=403, head=403, anon=302, rest=404),
        "GET": POST_ONLY,
    },
    # The problem ledger: the office and leaders see all of it, the campaign's units their
    # own part; the campaign's coordinators work it. The scene's problems concern "lead".
    "problems:ledger": {
        "GET": codes(coord=200, leader=200, lead=200, head=200, support=200, anon=302, rest=404)
    },
    "problems:raise": {
        "GET": codes(coord=200, leader=403, lead=403, head=403, support=403, anon=302, rest=404),
        "POST": codes(coord=302, leader=403, lead=403, head=403, support=403, anon=302, rest=404),
    },
    "problems:problem": {
        "GET": codes(coord=200, leader=200, lead=200, head=200, anon=302, rest=404)
    },
    **{
        f"problems:{step}": {
            "POST": codes(coord=302, leader=403, lead=403, head=403, anon=302, rest=404),
            "GET": POST_ONLY,
        }
        for step in ("assign", "resolve", "refer", "answer", "reopen")
    },
    "campaigns:list_export": {"GET": SEE_TASK},
    # A large list's export, written by a job: asked for by whoever reads the list, seen and
    # downloaded only by the person who asked (here the coordinator).
    "exports:ask": {
        "POST": codes(other=404, other_coord=404, **dict.fromkeys(ADMINS, 404), anon=302, rest=302),
        "GET": POST_ONLY,
    },
    "exports:export": {"GET": codes(coord=200, anon=302, rest=404)},
    "exports:download": {"GET": codes(coord=200, anon=302, rest=404)},
    "campaigns:list_template": {"GET": SEE_TASK},
    "campaigns:import_start": {"GET": COORD_ONLY_GET},
    "campaigns:import_detail": {"GET": COORD_ONLY_GET},
    "campaigns:import_status": {"GET": COORD_ONLY_GET},
    "campaigns:import_upload": {"POST": codes(coord=302, anon=302, rest=404), "GET": POST_ONLY},
    # A sheet that is not in the file: refused (400), nothing changes.
    "campaigns:import_columns": {"POST": codes(coord=400, anon=302, rest=404), "GET": POST_ONLY},
    "campaigns:import_units": {"POST": codes(coord=302, anon=302, rest=404), "GET": POST_ONLY},
    "campaigns:import_target": {"POST": codes(coord=302, anon=302, rest=404), "GET": POST_ONLY},
    # The plan names units the test directory lacks: confirm is refused whole (400).
    "campaigns:import_confirm": {"POST": codes(coord=400, anon=302, rest=404), "GET": POST_ONLY},
    "campaigns:import_discard": {"POST": codes(coord=302, anon=302, rest=404), "GET": POST_ONLY},
    # A draft (an imported list nobody published yet): its coordinators publish it.
    "campaigns:import_publish": {"POST": codes(coord=302, anon=302, rest=404), "GET": POST_ONLY},
    "campaigns:import_deadlines": {"POST": codes(coord=302, anon=302, rest=404), "GET": POST_ONLY},
    # Running a campaign: any coordinator creates one; its own coordinators edit, archive and
    # restore it, add lists and tasks, and edit tasks; 签收 is the lead unit's.
    "campaigns:create": {
        "GET": codes(coord=200, other_coord=200, anon=302, rest=404),
        "POST": codes(coord=302, other_coord=302, anon=302, rest=404),
    },
    "campaigns:edit": {"GET": COORD_ONLY_GET, "POST": codes(coord=302, anon=302, rest=404)},
    "campaigns:archive": {"POST": codes(coord=302, anon=302, rest=404), "GET": POST_ONLY},
    "campaigns:restore": {"POST": codes(coord=302, anon=302, rest=404), "GET": POST_ONLY},
    "campaigns:list_create": {"POST": codes(coord=302, anon=302, rest=404), "GET": POST_ONLY},
    "campaigns:list_edit": {"GET": COORD_ONLY_GET, "POST": codes(coord=302, anon=302, rest=404)},
    "campaigns:task_add": {"GET": COORD_ONLY_GET, "POST": codes(coord=302, anon=302, rest=404)},
    "campaigns:acknowledgements": {
        "GET": codes(coord=200, leader=200, lead=403, head=403, support=403, anon=302, rest=404)
    },
    "tasks:edit": {"GET": COORD_ACTS, "POST": COORD_POSTS},
    "tasks:acknowledge": {
        "POST": codes(lead=302, head=302, support=403, coord=403, leader=403, anon=302, rest=404),
        "GET": POST_ONLY,
    },
    # Any unit member acknowledges their own unit's tasks (others' ids are ignored).
    "tasks:acknowledge_all": {
        "POST": codes(lead=302, head=302, support=302, other=302, anon=302, rest=403),
        "GET": POST_ONLY,
    },
    "campaigns:list": {"GET": codes(anon=302, rest=200)},
    "campaigns:detail": {"GET": SEE_TASK},
    "campaigns:list_detail": {"GET": SEE_TASK},
    # The cockpit: leaders (every campaign) and the campaign's coordinators; a unit's page also
    # for the unit's own people; big-screen links are the coordinators'; the screen itself
    # opens with its token alone.
    "cockpit:overview": {"GET": codes(coord=200, other_coord=200, leader=200, anon=302, rest=404)},
    "cockpit:red_list": {"GET": codes(coord=200, other_coord=200, leader=200, anon=302, rest=404)},
    "cockpit:campaign": {"GET": codes(coord=200, leader=200, anon=302, rest=404)},
    "cockpit:tasks": {"GET": codes(coord=200, leader=200, anon=302, rest=404)},
    "cockpit:unit": {
        "GET": codes(lead=200, head=200, coord=200, other_coord=200, leader=200, anon=302, rest=404)
    },
    "cockpit:screens": {"GET": codes(coord=200, other_coord=200, anon=302, rest=404)},
    # Only campaigns one coordinates go on a screen: the other campaign's coordinator is refused.
    "cockpit:screen_create": {
        "POST": codes(coord=302, other_coord=400, anon=302, rest=404),
        "GET": POST_ONLY,
    },
    "cockpit:screen_revoke": {"POST": codes(coord=302, anon=302, rest=404), "GET": POST_ONLY},
    "cockpit:screen": {"GET": codes(rest=200)},
    # The API answers 401 (with WWW-Authenticate: Bearer) to a caller with no session or token.
    "api-schema": {"GET": codes(anon=401, rest=200)},
    "campaign-list": {"GET": codes(anon=401, rest=200)},
    "campaign-detail": {
        "GET": codes(other=404, other_coord=404, **dict.fromkeys(ADMINS, 404), anon=401, rest=200)
    },
    "task-list": {"GET": codes(anon=401, rest=200)},
    "task-detail": {
        "GET": codes(other=404, other_coord=404, **dict.fromkeys(ADMINS, 404), anon=401, rest=200)
    },
    # One's own API tokens (a new one is shown in the answer to the form, hence 200).
    "tokens:list": {"GET": codes(anon=302, rest=200), "POST": codes(anon=302, rest=200)},
    "tokens:revoke": {"POST": codes(lead=302, anon=302, rest=404), "GET": POST_ONLY},
    # The docs pages of /api/v1/ (their own matrix, per API route: tests/api/test_matrix.py).
    "v1:docs": {"GET": codes(anon=302, rest=200)},
    "v1:redoc": {"GET": codes(anon=302, rest=200)},
    **{
        f"apiplus:{name}": {"GET": API_SEES_CAMPAIGN}
        for name in ("rounds", "round", "round_xlsx", "reviews", "review", "review_items")
    },
    "apiplus:list_xlsx": {"GET": API_SEES_CAMPAIGN},
    # What a unit owes: its staff and heads; nobody else has a unit's reporting.
    "apiplus:owed": {"GET": API_UNIT_PEOPLE},
    "apiplus:owed_xlsx": {"GET": API_UNIT_PEOPLE},
    # The scene's October review is open, with lines not rated yet.
    "apiplus:review_rate": {"POST": API_COORD_ACTS, "GET": API_POST_ONLY},
    "apiplus:review_certify": {
        "POST": codes(
            coord=400,
            lead=403,
            head=403,
            support=403,
            leader=403,
            other=404,
            other_coord=404,
            **dict.fromkeys(ADMINS, 404),
            anon=API_ANON,
        ),
        "GET": API_POST_ONLY,
    },
    "apiplus:review_bulletin": {"GET": API_NOT_YET},
    "apiplus:review_bulletin_xlsx": {"GET": API_NOT_YET},
    "apiplus:ranking": {"GET": API_DRAFT_RANKING},
    "apiplus:ranking_xlsx": {"GET": API_DRAFT_RANKING},
    "apiplus:imports": {"POST": codes(coord=201, anon=API_ANON, rest=404), "GET": API_POST_ONLY},
    "apiplus:import": {"GET": codes(coord=200, anon=API_ANON, rest=404)},
    "apiplus:import_status": {"GET": codes(coord=200, anon=API_ANON, rest=404)},
    "apiplus:import_rows": {"GET": codes(coord=200, anon=API_ANON, rest=404)},
    # The scene's plan document still has errors: refused (400), nothing written.
    "apiplus:import_confirm": {
        "POST": codes(coord=400, anon=API_ANON, rest=404),
        "GET": API_POST_ONLY,
    },
}


def _route_names(patterns=None, namespace=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _route_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


def test_every_route_has_an_entry():
    missing = sorted(
        {
            name
            for name in _route_names()
            if name not in MATRIX and name not in NOT_TASK_RELATED and name not in API_MATRIX
        }
    )
    assert not missing, f"add these routes to the permission matrix: {missing}"


@pytest.fixture(autouse=True)
def media_in_tmp(module_db):
    """The scene's files (an evidence file) stay in the module's media folder for every case."""


@pytest.fixture(scope="module")
def scene(module_db):
    """The world of tests/tasks plus one of everything a URL can point at, built once."""
    world = build_world()
    world.campaign.requires_head_confirmation = True
    world.campaign.save()
    world.report = report_submit(
        task=world.task, by=world.lead_staff, text="待确认", percent=30, files=[files.pdf()]
    )
    world.evidence = world.report.evidence.get()
    world.request = request_create(
        task=world.task,
        by=world.lead_staff,
        kind="extension",
        reason="需市级支持",
        proposed_deadline=datetime.date(2031, 6, 30),
    )
    world.instruction = instruction_give(task=world.task, by=world.leader, text="请加快")
    world.notice = Notification.objects.filter(recipient=world.lead_staff).first()
    world.followup = Followup.objects.create(task=world.task, due_date=datetime.date(2027, 1, 1))
    world.round = round_open(
        campaign=world.campaign,
        times=round_times(world.campaign, datetime.date(2026, 11, 23)),
        now=timezone.now(),
    )
    # October's review judges the tasks that existed then.
    Task.objects.filter(task_list__campaign=world.campaign).update(
        created_at=datetime.datetime(2026, 9, 1, tzinfo=datetime.UTC)
    )
    world.review = review_open(
        campaign=world.campaign, month=datetime.date(2026, 10, 1), now=timezone.now()
    )
    world.review_item = world.review.items.first()
    # A measures list: one measure applied to the lead unit, one proposed by a rule.
    world.measure_line = TaskFactory(
        task_list=TaskListFactory(campaign=world.campaign, kind=TaskList.Kind.MEASURE),
        lead_unit=world.office,
        title="约谈问责",
    )
    world.applied = application_add(
        campaign=world.campaign,
        line=world.measure_line,
        by=world.coordinator,
        unit=world.lead,
        grounds="连续两月滞后",
    )
    world.proposal = Application.objects.create(
        measure=Measure.objects.get(line=world.measure_line),
        campaign=world.campaign,
        month=world.review.month,
        unit=world.other,
        target_key=f"u{world.other.pk}",
        origin=Application.Origin.RULE,
        grounds="规则提出",
    )
    world.list_import = list_import_create(
        campaign=world.campaign,
        by=world.coordinator,
        filename="plan-document.txt",
        data=PLAN,
        list_name="放管服重点任务",
        list_kind="reform",
        background=False,
    )
    # A list imported as a draft, waiting for its coordinators to publish it.
    world.draft_import = tasklist_import(
        campaign=world.campaign,
        data=xlsx([["序号", "工作任务", "牵头单位"], [1, "草稿中的任务", world.lead.name]]),
        filename="draft.xlsx",
        by=world.coordinator,
        list_name="草稿清单",
    ).list_import
    # An email about the campaign that could not be sent (发送失败).
    world.failed_delivery = Delivery.objects.create(
        notification=notify(
            recipients=[world.lead_staff],
            kind=Notification.Kind.OTHER,
            title="通报已发布",
            campaign=world.campaign,
        )[0],
        channel=Channel.EMAIL,
        target="lead@example.gov.cn",
        status=Delivery.Status.FAILED,
        attempts=1,
        last_error="SMTP 550: no such user",
    )
    # A webhook to another system that gave up.
    world.failed_webhook = WebhookDelivery.objects.create(
        subscription=Subscription.objects.create(
            name="市级督查平台", url="https://gov.example.cn/hook", events=["task.closed"]
        ),
        event="task.closed",
        body="{}",
        status=WebhookDelivery.Status.FAILED,
        attempts=8,
        last_error="HTTP 503",
    )
    # An inspection round of a checklist naming the lead and supporting units (q1, q2), and the
    # lead unit's answer to q2 with a file.
    world.checklist = TaskList.objects.create(
        campaign=world.campaign, name="督查清单", kind=TaskList.Kind.CHECKLIST
    )
    question = task_create(
        task_list=world.checklist, code="1", title="是否公开", lead_unit=world.support
    )
    task_create(task_list=world.checklist, code="2", title="是否受理", lead_unit=world.lead)
    world.inspection = inspection_round_open(
        checklist=world.checklist,
        by=world.coordinator,
        title="督查",
        due_date=datetime.date(2026, 12, 31),
    )
    world.answer = answer_submit(
        answer=Answer.objects.exclude(question=question).get(),
        by=world.lead_staff,
        value="no",
        files=[files.pdf()],
    )
    # 揭榜挂帅: an open call with the lead unit's bid, and a call whose bids closed
    # yesterday with the lead unit's bid, to assess and award.
    now = timezone.now()
    world.call = call_publish(
        campaign=world.campaign,
        by=world.coordinator,
        task_list=world.task_list,
        title="破解企业开办难题",
        goal="一日办结",
        claim_deadline=now + datetime.timedelta(days=30),
        criteria=[{"name": "方案可行性", "points": 50}],
    )
    world.bid = bid_submit(
        call=world.call,
        by=world.lead_staff,
        plan="方案",
        commander="李局长",
        complete_by=datetime.date(2031, 6, 30),
    )
    before = now - datetime.timedelta(days=3)
    world.closed_call = call_publish(
        campaign=world.campaign,
        by=world.coordinator,
        task_list=world.task_list,
        title="数据共享攻坚",
        goal="打通数据",
        claim_deadline=now - datetime.timedelta(days=1),
        criteria=[{"name": "方案可行性", "points": 50}],
        now=before,
    )
    world.closed_bid = bid_submit(
        call=world.closed_call,
        by=world.lead_staff,
        plan="方案",
        commander="李局长",
        complete_by=datetime.date(2031, 6, 30),
        now=before,
    )
    # The problem ledger: a problem of the lead unit, and one referred to the city.
    world.problem = problem_raise(
        campaign=world.campaign, by=world.coordinator, title="系统未打通", unit=world.lead
    )
    world.referred = problem_refer(
        problem=problem_raise(
            campaign=world.campaign, by=world.coordinator, title="需市级授权", unit=world.lead
        ),
        by=world.coordinator,
        referral="city",
        referred_to="市政务服务管理局",
    )
    # The task was handed to its lead unit two days ago and is not acknowledged yet (签收).
    Task.objects.filter(pk=world.task.pk).update(
        handed_over_at=timezone.now() - datetime.timedelta(days=2)
    )
    world.bulk_upload = upload_check(
        by=world.lead_staff, filename="本周应报送.xlsx", data=owed_sheet(world)
    ).upload
    world.list_export = ListExport.objects.create(
        task_list=world.task_list,
        requested_by=world.coordinator,
        status=ListExport.Status.DONE,
        file="exports/scene/list.xlsx",
        filename="list.xlsx",
        finished_at=timezone.now(),
    )
    world.screen, world.screen_token = screen_create(
        by=world.coordinator, name="督查室大屏", campaigns=[world.campaign]
    )
    world.users = {
        "lead": world.lead_staff,
        "support": world.support_staff,
        "other": world.other_staff,
        "head": world.lead_head,
        "coord": world.coordinator,
        "other_coord": world.other_coordinator,
        "leader": world.leader,
        "auditor": world.auditor,
        "sysadmin": UserFactory(username="sysadmin", unit=world.office, roles=[Role.SYSADMIN]),
        "secadmin": UserFactory(username="secadmin", unit=world.office, roles=[Role.SECADMIN]),
    }
    world.someone_elses_session = UserSession.objects.create(
        user=world.leader, session_key="leader-session-key"
    )
    return world


class later:
    """A value of the table below that costs queries or a file to make (a workbook, a PDF, a
    token): made only for the route a case asks for, not for all of them each case."""

    def __init__(self, make):
        self.make = make


def resolved(value):
    return value.make() if isinstance(value, later) else value


def url_and_data(name: str, w) -> tuple[str, dict]:
    task = Task.objects.get(pk=w.task.pk)
    imp = [w.campaign.slug, w.list_import.pk]
    table = {
        "home": ("home", [], {}),
        "unit_merge": ("unit_merge", [], {"merged": w.other.pk, "into": w.lead.pk}),
        "password_change": (
            "password_change",
            [],
            {"old_password": "wrong", "new_password1": "x", "new_password2": "y"},
        ),
        "second_factor": ("second_factor", [], {"code": "000000"}),
        "second_factor_setup": ("second_factor_setup", [], {"code": "12"}),
        "sessions": ("sessions", [], {}),
        "session_revoke": ("session_revoke", [w.someone_elses_session.pk], {}),
        "session_keepalive": ("session_keepalive", [], {}),
        "audit:events": ("audit:events", [], {}),
        "audit:export": ("audit:export", [], {}),
        "audit:integrity": ("audit:integrity", [], {}),
        "notifications": ("notifications", [], {}),
        "notifications_read_all": ("notifications_read_all", [], {}),
        "notification_open": ("notification_open", [w.notice.pk], {}),
        "notification_settings": ("notification_settings", [], {"robot": "on"}),
        "deliveries_failed": ("deliveries_failed", [], {}),
        "delivery_retry": ("delivery_retry", [w.failed_delivery.pk], {}),
        "webhook_delivery_retry": ("webhook_delivery_retry", [w.failed_webhook.pk], {}),
        "tasks:mine": ("tasks:mine", [], {}),
        "tasks:requests": ("tasks:requests", [], {}),
        "tasks:detail": ("tasks:detail", [task.pk], {}),
        "tasks:history": ("tasks:history", [task.pk], {}),
        "tasks:evidence": ("tasks:evidence", [w.evidence.pk], {}),
        "tasks:report_submit": (
            "tasks:report_submit",
            [task.pk],
            {"text": "本周进展", "percent": 40, "version": task.version},
        ),
        "tasks:request_create": (
            "tasks:request_create",
            [task.pk],
            {
                "kind": "transfer",
                "reason": "职责调整",
                "proposed_unit": w.support.pk,
                "version": task.version,
            },
        ),
        "tasks:instruction_give": ("tasks:instruction_give", [task.pk], {"text": "请报送"}),
        "tasks:request_decide": (
            "tasks:request_decide",
            [w.request.pk],
            {"decision": "reject", "comment": "理由不足", "version": w.request.version},
        ),
        "tasks:request_withdraw": ("tasks:request_withdraw", [w.request.pk], {}),
        "tasks:instruction_answer": (
            "tasks:instruction_answer",
            [w.instruction.pk],
            {"answer": "已落实"},
        ),
        "tasks:report_confirm": ("tasks:report_confirm", [w.report.pk], {}),
        "tasks:instruction_urge": ("tasks:instruction_urge", [w.instruction.pk], {}),
        "tasks:report_edit": (
            "tasks:report_edit",
            [w.report.pk],
            {"text": "更正后的进展", "percent": 35, "version": w.report.version},
        ),
        "tasks:report_evidence": (
            "tasks:report_evidence",
            [w.report.pk],
            {"files": later(lambda: [files.pdf()])},
        ),
        "tasks:reports_confirm_all": ("tasks:reports_confirm_all", [], {"report": [w.report.pk]}),
        "reporting:start": ("reporting:start", [], {}),
        "reporting:owed_download": ("reporting:owed_download", [], {}),
        "reporting:upload": (
            "reporting:upload",
            [],
            {"file": later(lambda: SimpleUploadedFile("本周应报送.xlsx", owed_sheet(w)))},
        ),
        "reporting:upload_detail": ("reporting:upload_detail", [w.bulk_upload.pk], {}),
        "reporting:upload_confirm": ("reporting:upload_confirm", [w.bulk_upload.pk], {}),
        "tasks:followup_record": (
            "tasks:followup_record",
            [w.followup.pk],
            {"finding": "成效巩固", "result_holds": "yes"},
        ),
        "cycles:campaign": ("cycles:campaign", [w.campaign.slug], {}),
        "cycles:schedule": (
            "cycles:schedule",
            [w.campaign.slug],
            {
                "dispatch_enabled": "on",
                "dispatch_weekday": 1,
                "dispatch_time": "10:00",
                "report_due_weekday": 4,
                "report_due_time": "17:00",
                "reminder_hours_before_due": 12,
                "schedule_timezone": "Asia/Shanghai",
                "followup_months": 3,
            },
        ),
        "cycles:round": ("cycles:round", [w.round.pk], {}),
        "cycles:review": ("cycles:review", [w.review.pk], {}),
        "cycles:review_bulletin": ("cycles:review_bulletin", [w.review.pk], {}),
        "cycles:formula": ("cycles:formula", [w.campaign.slug], _formula_post()),
        "cycles:ranking": ("cycles:ranking", [w.review.pk], {}),
        "cycles:unit_score": ("cycles:unit_score", [w.review.pk, w.lead.pk], {}),
        "cycles:review_rate": (
            "cycles:review_rate",
            [w.review.pk],
            {f"rating_{w.review_item.pk}": "behind"},
        ),
        "cycles:review_confirm_all": ("cycles:review_confirm_all", [w.review.pk], {}),
        "cycles:review_certify": (
            "cycles:review_certify",
            [w.review.pk],
            {"version": w.review.version},
        ),
        "measures:register": ("measures:register", [w.campaign.slug], {}),
        "measures:measures": ("measures:measures", [w.campaign.slug], {}),
        "measures:measure_update": (
            "measures:measure_update",
            [w.campaign.slug, w.measure_line.pk],
            {"kind": "talk", "rule": "behind_running", "number": 3},
        ),
        "measures:application_add": (
            "measures:application_add",
            [w.campaign.slug],
            {
                "measure": w.measure_line.pk,
                "unit": w.lead.pk,
                "grounds": "手工",
                "month": "2026-10",
            },
        ),
        "measures:application": ("measures:application", [w.applied.pk], {}),
        "measures:application_confirm": ("measures:application_confirm", [w.proposal.pk], {}),
        "measures:application_edit": (
            "measures:application_edit",
            [w.proposal.pk],
            {"grounds": "改后的依据", "unit": w.lead.pk},
        ),
        "measures:application_drop": ("measures:application_drop", [w.proposal.pk], {}),
        "inspections:index": ("inspections:index", [], {}),
        "inspections:round_open": (
            "inspections:round_open",
            [w.checklist.pk],
            {"title": "第二轮", "due_date": "2027-01-31", "units": [w.lead.pk]},
        ),
        "inspections:round": ("inspections:round", [w.inspection.pk], {}),
        "inspections:round_close": ("inspections:round_close", [w.inspection.pk], {}),
        "inspections:unit_round": ("inspections:unit_round", [w.inspection.pk], {}),
        "inspections:answer": ("inspections:answer", [w.answer.pk], {}),
        "inspections:file": ("inspections:file", [later(lambda: w.answer.files.get().pk)], {}),
        "inspections:answer_submit": (
            "inspections:answer_submit",
            [w.answer.pk],
            {"value": "yes", "version": w.answer.version},
        ),
        "inspections:answer_verify": (
            "inspections:answer_verify",
            [w.answer.pk],
            {"decision": "confirm", "version": w.answer.version},
        ),
        "challenges:index": ("challenges:index", [], {}),
        "challenges:board": ("challenges:board", [w.campaign.slug], {}),
        "challenges:call": ("challenges:call", [w.call.pk], {}),
        "challenges:publish": (
            "challenges:publish",
            [w.campaign.slug],
            {
                "task_list": w.task_list.pk,
                "title": "新的榜",
                "goal": "目标",
                "claim_deadline": "2031-01-01T10:00",
                "places": 1,
                "targets-TOTAL_FORMS": 0,
                "targets-INITIAL_FORMS": 0,
                "criteria-TOTAL_FORMS": 1,
                "criteria-INITIAL_FORMS": 0,
                "criteria-0-name": "方案",
                "criteria-0-points": 100,
            },
        ),
        "challenges:close": ("challenges:close", [w.call.pk], {}),
        "challenges:bid_submit": (
            "challenges:bid_submit",
            [w.call.pk],
            {"plan": "我们的方案", "commander": "王主任", "complete_by": "2031-03-31"},
        ),
        "challenges:bid": ("challenges:bid", [w.bid.pk], {}),
        "challenges:bid_withdraw": ("challenges:bid_withdraw", [w.bid.pk], {}),
        "challenges:bid_assess": (
            "challenges:bid_assess",
            [w.closed_bid.pk],
            later(
                lambda: {
                    **{f"score_{c.pk}": 40 for c in w.closed_call.criteria.all()},
                    "comment": "可行",
                }
            ),
        ),
        "challenges:bid_award": ("challenges:bid_award", [w.closed_bid.pk], {}),
        "problems:ledger": ("problems:ledger", [w.campaign.slug], {}),
        "problems:raise": (
            "problems:raise",
            [w.campaign.slug],
            {"title": "新问题", "unit": w.lead.pk},
        ),
        "problems:problem": ("problems:problem", [w.problem.pk], {}),
        "problems:assign": (
            "problems:assign",
            [w.problem.pk],
            {"unit": w.lead.pk, "version": w.problem.version},
        ),
        "problems:resolve": (
            "problems:resolve",
            [w.problem.pk],
            {"resolution": "已解决", "version": w.problem.version},
        ),
        "problems:refer": (
            "problems:refer",
            [w.problem.pk],
            {"referral": "city", "referred_to": "市里", "version": w.problem.version},
        ),
        "problems:answer": (
            "problems:answer",
            [w.referred.pk],
            {"answer": "已答复", "version": w.referred.version},
        ),
        "problems:reopen": (
            "problems:reopen",
            [w.referred.pk],
            {"reason": "反弹", "version": w.referred.version},
        ),
        "campaigns:list_export": ("campaigns:list_export", [w.campaign.slug, w.task_list.pk], {}),
        "exports:ask": ("exports:ask", [w.campaign.slug, w.task_list.pk], {}),
        "exports:export": ("exports:export", [later(lambda: _list_export(w).pk)], {}),
        "exports:download": ("exports:download", [later(lambda: _list_export(w).pk)], {}),
        "campaigns:list_template": ("campaigns:list_template", [w.campaign.slug, "reform"], {}),
        "campaigns:import_start": ("campaigns:import_start", [w.campaign.slug], {}),
        "campaigns:import_detail": ("campaigns:import_detail", imp, {}),
        "campaigns:import_status": ("campaigns:import_status", imp, {}),
        "campaigns:import_upload": (
            "campaigns:import_upload",
            [w.campaign.slug],
            {"text": PLAN.decode(), "list_name": "矩阵清单", "list_kind": "reform"},
        ),
        "campaigns:import_columns": ("campaigns:import_columns", imp, {"sheet": "x"}),
        "campaigns:import_units": ("campaigns:import_units", imp, {}),
        "campaigns:import_target": (
            "campaigns:import_target",
            imp,
            {"list_name": "另一个清单", "list_kind": "reform"},
        ),
        "campaigns:import_confirm": ("campaigns:import_confirm", imp, {}),
        "campaigns:import_discard": ("campaigns:import_discard", imp, {}),
        "campaigns:import_publish": (
            "campaigns:import_publish",
            [w.campaign.slug, w.draft_import.pk],
            {},
        ),
        "campaigns:import_deadlines": (
            "campaigns:import_deadlines",
            imp,
            {"deadlines": "campaign_year"},
        ),
        "campaigns:list": ("campaigns:list", [], {}),
        "campaigns:detail": ("campaigns:detail", [w.campaign.slug], {}),
        "campaigns:list_detail": ("campaigns:list_detail", [w.campaign.slug, w.task_list.pk], {}),
        "cockpit:overview": ("cockpit:overview", [], {}),
        "cockpit:red_list": ("cockpit:red_list", [], {}),
        "cockpit:campaign": ("cockpit:campaign", [w.campaign.slug], {}),
        "cockpit:tasks": ("cockpit:tasks", [w.campaign.slug], {}),
        "cockpit:unit": ("cockpit:unit", [w.lead.pk], {}),
        "cockpit:screens": ("cockpit:screens", [], {}),
        "cockpit:screen_create": (
            "cockpit:screen_create",
            [],
            {"name": "会议室大屏", "campaigns": [w.campaign.pk]},
        ),
        "cockpit:screen_revoke": ("cockpit:screen_revoke", [w.screen.pk], {}),
        "cockpit:screen": ("cockpit:screen", [w.screen_token], {}),
        "campaigns:create": (
            "campaigns:create",
            [],
            {
                "name": "新的行动",
                "year": 2026,
                "organiser": w.office.pk,
                "start_date": "2026-03-01",
                "acknowledge_within_hours": 24,
            },
        ),
        "campaigns:edit": ("campaigns:edit", [w.campaign.slug], _campaign_post(w)),
        "campaigns:archive": ("campaigns:archive", [w.campaign.slug], {}),
        "campaigns:restore": ("campaigns:restore", [w.campaign.slug], {}),
        "campaigns:list_create": (
            "campaigns:list_create",
            [w.campaign.slug],
            {"name": "新增清单", "kind": "reform"},
        ),
        "campaigns:list_edit": (
            "campaigns:list_edit",
            [w.campaign.slug, w.task_list.pk],
            {"name": "改名后的清单", "kind": "reform", "order": 0},
        ),
        "campaigns:task_add": (
            "campaigns:task_add",
            [w.campaign.slug, w.task_list.pk],
            {**_task_post(w), "code": "99", "title": "新增任务"},
        ),
        "campaigns:acknowledgements": ("campaigns:acknowledgements", [w.campaign.slug], {}),
        "tasks:edit": ("tasks:edit", [task.pk], {**_task_post(w), "version": task.version}),
        "tasks:acknowledge": ("tasks:acknowledge", [task.pk], {}),
        "tasks:acknowledge_all": ("tasks:acknowledge_all", [], {"task": [task.pk]}),
        "api-schema": ("api-schema", [], {}),
        "campaign-list": ("campaign-list", [], {}),
        "campaign-detail": ("campaign-detail", [w.campaign.slug], {}),
        "task-list": ("task-list", [], {}),
        "task-detail": ("task-detail", [task.pk], {}),
        "tokens:list": ("tokens:list", [], {"own-name": "x", "own-scope": "read"}),
        "tokens:revoke": ("tokens:revoke", [later(lambda: _token_of_lead(w).pk)], {}),
        "v1:docs": ("v1:docs", [], {}),
        "v1:redoc": ("v1:redoc", [], {}),
        **_api_routes(w, task),
    }
    route, args, data = table[name]
    data = resolved(data)
    return reverse(route, args=[resolved(a) for a in args]), {
        k: resolved(v) for k, v in data.items()
    }


def _token_of_lead(w):
    from api.models import ApiToken
    from api.services import token_create

    row = ApiToken.objects.filter(user=w.lead_staff).first()
    return row or token_create(user=w.lead_staff, by=w.lead_staff, name="matrix")[0]


def _api_routes(w, task) -> dict:
    review, slug = [w.review.pk], w.campaign.slug
    upload = later(
        lambda: SimpleUploadedFile(
            "新清单.xlsx", xlsx([["序号", "工作任务", "牵头单位"], [1, "新任务", w.lead.name]])
        )
    )
    return {
        "apiplus:rounds": ("apiplus:rounds", [slug], {}),
        "apiplus:round": ("apiplus:round", [w.round.pk], {}),
        "apiplus:round_xlsx": ("apiplus:round_xlsx", [w.round.pk], {}),
        "apiplus:owed": ("apiplus:owed", [], {}),
        "apiplus:owed_xlsx": ("apiplus:owed_xlsx", [], {}),
        "apiplus:reviews": ("apiplus:reviews", [slug], {}),
        "apiplus:review": ("apiplus:review", review, {}),
        "apiplus:review_items": ("apiplus:review_items", review, {}),
        "apiplus:review_rate": (
            "apiplus:review_rate",
            review,
            {f"ratings.{w.review_item.pk}": "behind"},
        ),
        "apiplus:review_certify": ("apiplus:review_certify", review, {"version": w.review.version}),
        "apiplus:review_bulletin": ("apiplus:review_bulletin", review, {}),
        "apiplus:review_bulletin_xlsx": ("apiplus:review_bulletin_xlsx", review, {}),
        "apiplus:ranking": ("apiplus:ranking", review, {}),
        "apiplus:ranking_xlsx": ("apiplus:ranking_xlsx", review, {}),
        "apiplus:list_xlsx": ("apiplus:list_xlsx", [slug, task.task_list_id], {}),
        "apiplus:imports": ("apiplus:imports", [slug], {"file": upload}),
        "apiplus:import": ("apiplus:import", [slug, w.list_import.pk], {}),
        "apiplus:import_status": ("apiplus:import_status", [slug, w.list_import.pk], {}),
        "apiplus:import_rows": ("apiplus:import_rows", [slug, w.list_import.pk], {}),
        "apiplus:import_confirm": ("apiplus:import_confirm", [slug, w.list_import.pk], {}),
    }


def _campaign_post(w) -> dict:
    return {
        "name": "改革攻坚行动（修订）",
        "year": 2026,
        "organiser": w.office.pk,
        "start_date": "2026-01-01",
        "status": "active",
        "coordinators": [w.coordinator.pk],
        "acknowledge_within_hours": 48,
    }


def _formula_post() -> dict:
    values = RankingFormula().as_json()
    values.update({"version": 0, "support_weight": "0.5", "note": "配合单位计分"})
    return {name: "" if value is None else value for name, value in values.items()}


def _task_post(w) -> dict:
    return {
        "code": w.task.code,
        "title": "推行容缺受理机制（修订）",
        "lead_unit": w.lead.pk,
        "supporting_units": [w.support.pk],
        "specific_owner_name": "王联络",
        "deadline": "2030-09-30",
        "difficulty": "1.5",
    }


def _list_export(w) -> ListExport:
    """The coordinator's finished export of the list, its file in this test's storage."""
    if not default_storage.exists(w.list_export.file.name):
        default_storage.save(w.list_export.file.name, ContentFile(b"PK export"))
    return w.list_export


def owed_sheet(w) -> bytes:
    """The lead unit's 本周应报送 sheet with its one task reported (the scene's round)."""
    owed = owed_tasks(unit_id=w.lead.pk)
    data = owed_workbook(unit_name=w.lead.name, owed=owed, week_label="本周")
    return fill(data, lambda row, names: {"本周进展": "一表填报", "进度（%）": 45})


# What a refused or read-only request must leave as it was: these columns of every row (an
# empty tuple: the number of rows). Read in one query (``snapshot``), not one per table.
WATCHED = (
    (Task, ("status", "progress", "lead_unit", "version", "title", "acknowledged_at")),
    (TaskRequest, ("status", "version")),
    (Instruction, ("answered_at", "urged_at")),
    (ProgressReport, ("confirmed_at",)),
    (Evidence, ()),
    (TaskEvent, ()),
    (Notification, ("read_at",)),
    (ProgressReport, ("text", "percent")),
    (ReviewItem, ("rating",)),
    (MonthlyReview, ("status", "version")),
    (Campaign, ("dispatch_weekday", "dispatch_time", "name", "status", "acknowledge_within_hours")),
    (CampaignEvent, ()),
    (Followup, ("checked_at",)),
    (ListImport, ("status", "deadlines_in_campaign_year")),
    (TaskList, ("name", "kind", "order", "published_at")),
    (Unit, ("active", "merged_into")),
    (Task, ("lead_unit",)),
    (Delivery, ("status", "attempts")),
    (WebhookDelivery, ("status", "attempts")),
    (User, ("notify_by_email", "notify_by_robot")),
    (Application, ("status", "grounds", "unit", "person")),
    (ApplicationEvent, ()),
    (Measure, ("kind", "rule", "number")),
    (InspectionRound, ("closed_at",)),
    (User, ("password", "totp_secret")),
    (UserSession, ("ended_at",)),
    (Answer, ("value", "verification", "version")),
    (AnswerEvent, ()),
    (AnswerFile, ()),
    (Rectification, ()),
    (ReportUpload, ("status", "written")),
    (Call, ("status",)),
    (Bid, ("status", "version", "plan")),
    (Assessment, ()),
    (CallEvent, ()),
    (Problem, ("state", "version")),
    (ProblemEvent, ()),
    (Screen, ("name", "revoked_at")),
    (RankingFormula, ("version", "support_weight")),
    (RankingFormulaEvent, ()),
    (ApiToken, ("revoked_at",)),
    (ListExport, ()),
)


def _watched_sql() -> str:
    """One UNION ALL over the watched tables: each row as its key and its columns as text, one
    output column each (NULL stays NULL), padded to the widest (the same SQL on PostgreSQL and
    SQLite)."""
    q = connection.ops.quote_name
    width = max(len(fields) for _model, fields in WATCHED) or 1
    parts = []
    for number, (model, fields) in enumerate(WATCHED):
        table, pk = q(model._meta.db_table), q(model._meta.pk.column)
        if not fields:
            values = ["CAST(COUNT(*) AS TEXT)"] + ["NULL"] * (width - 1)
            parts.append(f"SELECT {number}, '', {', '.join(values)} FROM {table}")
            continue
        values = [f"CAST({q(model._meta.get_field(name).column)} AS TEXT)" for name in fields]
        values += ["NULL"] * (width - len(fields))
        parts.append(f"SELECT {number}, CAST({pk} AS TEXT), {', '.join(values)} FROM {table}")
    return " UNION ALL ".join(parts) + " ORDER BY 1, 2"


def snapshot() -> dict:
    """The watched columns, by table and columns, so a failure names what changed."""
    with connection.cursor() as cursor:
        cursor.execute(_watched_sql())
        rows = cursor.fetchall()
    seen: dict = {}
    for number, key, *values in rows:
        model, fields = WATCHED[number]
        seen.setdefault(f"{model.__name__}{fields}", []).append((key, *values[: len(fields) or 1]))
    return seen


CASES = [
    (name, method, role, expected)
    for name, methods in MATRIX.items()
    for method, table in methods.items()
    for role, expected in table.items()
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "role", "expected"), CASES)
def test_permission_matrix(client, scene, name, method, role, expected):
    if role != "anon":
        client.force_login(scene.users[role])
    url, data = url_and_data(name, scene)
    unchanged = expected >= 400 or method == "GET"
    before = snapshot() if unchanged else None

    response = client.post(url, data) if method == "POST" else client.get(url)

    assert response.status_code == expected, (name, method, role)
    if response.status_code == 302 and role == "anon":
        assert response["Location"].startswith(reverse("login"))
    if unchanged:
        assert snapshot() == before, "a refused or read-only request changed something"


@pytest.mark.django_db
def test_the_snapshot_sees_a_changed_column_a_new_row_and_a_counted_row(scene):
    """The matrix's one-query snapshot notices each kind of change it is there to notice."""
    before = snapshot()
    Task.objects.filter(pk=scene.task.pk).update(title="改了标题")
    changed = snapshot()
    assert changed != before
    assert [k for k in before if before[k] != changed[k]] == [
        "Task('status', 'progress', 'lead_unit', 'version', 'title', 'acknowledged_at')"
    ]
    TaskEvent.objects.create(task=scene.task, kind=TaskEvent.Kind.UPDATED, actor=scene.coordinator)
    again = snapshot()
    assert again["TaskEvent()"] == [("", str(TaskEvent.objects.count()))]
    # Each column is its own value: a text that moves from one column into the next shows.
    TaskList.objects.filter(pk=scene.task_list.pk).update(name="a|b", kind="reform")
    split = snapshot()
    TaskList.objects.filter(pk=scene.task_list.pk).update(name="a", kind="b|reform")
    assert snapshot() != split
    assert again["TaskEvent()"] != changed["TaskEvent()"]
    TaskList.objects.create(campaign=scene.campaign, name="新清单", kind="reform", order=99)
    assert len(snapshot()["TaskList('name', 'kind', 'order', 'published_at')"]) == (
        TaskList.objects.count()
    )


POST_ONLY_ROUTES = sorted(
    name
    for name, methods in MATRIX.items()
    if "POST" in methods and methods.get("GET") in (POST_ONLY, POST_ONLY_ON_TASK)
)


@pytest.mark.django_db
@pytest.mark.parametrize("name", POST_ONLY_ROUTES)
def test_a_get_on_an_address_that_only_takes_a_form_returns_to_the_page_of_the_form(
    client, scene, name
):
    """Someone who may send the form and opens its address gets the page the form is on."""
    role = next(r for r, code in MATRIX[name]["POST"].items() if r != "anon" and code in (302, 400))
    client.force_login(scene.users[role])
    url, _data = url_and_data(name, scene)

    response = client.get(url)

    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200, (name, role, response["Location"])
    assert page.request["PATH_INFO"] != url
