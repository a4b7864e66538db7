"""The Monday mix, for Locust (started headless by ``python -m benchmarks.load run``).

80 % unit staff (我的任务, a task page, a report with a small evidence file, an 一表填报 upload),
15 % coordinators (lists with filters, the request queue, a monthly review, an export),
5 % leaders (the cockpit, the red list, a bulletin). Each staff user logs in with one of the
prepared accounts; two users on one account (more users than busy units) split its tasks by
id, so they never report on the same task at once (that would be a true "someone else
changed this task" answer, not a fault). Every report text carries a marker; the markers the
clients got a success for are written to LOAD_MARKERS at the end, for the checks.

Environment: LOAD_USERS (the -u given to Locust), LOAD_ACCOUNTS, LOAD_PASSWORD, LOAD_MARKERS,
LOAD_MAX_REQUESTS, LOAD_CAMPAIGN, LOAD_DEMO_CAMPAIGN, LOAD_HOSTS, LOAD_SESSIONS.
"""

from __future__ import annotations

import html
import itertools
import json
import os
import random
import re
import time
import uuid
from pathlib import Path

from locust import FastHttpUser, between, events, task
from locust.exception import StopUser
from requests.cookies import create_cookie

from benchmarks.load.pages import EVIDENCE, account_of, form_fields, links, split
from benchmarks.load.sheetfill import fill_owed

USERS = int(os.environ.get("LOAD_USERS", "50"))
ACCOUNTS = max(1, int(os.environ.get("LOAD_ACCOUNTS", "39")))
PASSWORD = os.environ.get("LOAD_PASSWORD", "qingdan-demo-2026")
MARKERS = os.environ.get("LOAD_MARKERS", "")
MAX_REQUESTS = int(os.environ.get("LOAD_MAX_REQUESTS", "20000"))
CAMPAIGN = os.environ.get("LOAD_CAMPAIGN", "load-monday")
# The demo's campaign, whose rounds and reviews have history (bulletins, monthly reviews).
DEMO_CAMPAIGN = os.environ.get("LOAD_DEMO_CAMPAIGN", "new-area-ecosystem")
EXPORT_POLLS = 15  # an export's page followed for at most 30 s
STAFF, COORDINATORS, LEADERS = split(USERS)
# Sessions opened before the clock starts (by username), one per user: a login costs a
# password hash (PBKDF2, about a CPU-second), a cost of 8:30, not of the Monday reporting.
SESSIONS: dict[str, list[str]] = {}
if os.environ.get("LOAD_SESSIONS"):
    with open(os.environ["LOAD_SESSIONS"], encoding="utf-8") as sessions:
        SESSIONS = json.load(sessions)
PREFIX = "负载测试"
# Two web processes (the scale-out shape): each user talks to one of them, in turn.
HOSTS = [host for host in os.environ.get("LOAD_HOSTS", "").split(",") if host]
_hosts = itertools.count()

succeeded: list[str] = []  # markers of the reports the server said it saved
_requests = itertools.count(1)


@events.request.add_listener
def _bounded(**_kwargs):
    """Stop after LOAD_MAX_REQUESTS requests, whatever the time left."""
    if next(_requests) == MAX_REQUESTS and _environment and _environment.runner:
        _environment.runner.quit()


_environment = None


@events.init.add_listener
def _keep(environment, **_kwargs):
    global _environment
    _environment = environment


@events.quitting.add_listener
def _write_markers(**_kwargs):
    if MARKERS:
        with open(MARKERS, "w", encoding="utf-8") as out:
            json.dump(succeeded, out)
        _write_times(Path(MARKERS).with_name("times.json"))


def _write_times(path: Path) -> None:
    """Each endpoint's response times as Locust keeps them (rounded milliseconds → count,
    since the stats were reset once every user ran), for percentiles over several endpoints."""
    if _environment and _environment.stats:
        entries = _environment.stats.entries.values()
        times = {e.name: e.response_times for e in entries}
        path.write_text(json.dumps(times), encoding="utf-8")


def text(response) -> str:
    """A page's text; "" for a file or an answer without a body (geventhttpclient's
    ``text`` is None there, where requests' was "")."""
    return response.text or ""


class Person(FastHttpUser):
    """geventhttpclient, not requests: the load generator shares the two cores with the
    server it measures, and requests' client cost about a third more CPU a request."""

    abstract = True
    wait_time = between(0.2, 0.8)
    username = ""

    def on_start(self):
        if HOSTS:
            self.client.base_url = HOSTS[next(_hosts) % len(HOSTS)]
        if SESSIONS.get(self.username):
            host = self.client.base_url.split("://", 1)[-1].split(":", 1)[0]
            self.client.cookiejar.set_cookie(
                create_cookie("sessionid", SESSIONS[self.username].pop(), domain=host)
            )
            return
        page = self.client.get("/accounts/login/", name="login page")
        fields = form_fields(text(page), "") or {}
        fields.update(username=self.username, password=PASSWORD)
        answer = self.client.post(
            "/accounts/login/", data=fields, name="login", allow_redirects=False
        )
        if answer.status_code != 302:
            raise StopUser()

    def get(self, url: str, name: str, **kwargs):
        return self.client.get(url, name=name, **kwargs)


class UnitStaff(Person):
    """A liaison reporting for their unit on Monday morning."""

    fixed_count = STAFF
    _numbers = itertools.count()

    def on_start(self):
        number = next(self._numbers)
        account = number % ACCOUNTS
        self.username = account_of(number, ACCOUNTS)
        # Users sharing an account take the tasks whose id leaves their slot modulo sharers.
        self.sharers = len(range(account, STAFF, ACCOUNTS))
        self.slot = number // ACCOUNTS
        super().on_start()
        self.tasks_seen: list[int] = []

    def mine(self) -> list[int]:
        page = self.get("/tasks/mine/", "GET 我的任务 /tasks/mine/")
        ids = [int(pk) for pk in links(text(page), r"href=\"/tasks/(\d+)/\"")]
        self.tasks_seen = [pk for pk in ids if pk % self.sharers == self.slot] or self.tasks_seen
        return self.tasks_seen

    @task(4)
    def my_tasks(self):
        self.mine()

    @task(4)
    def task_page(self):
        ids = self.tasks_seen or self.mine()
        if ids:
            self.get(f"/tasks/{random.choice(ids)}/", "GET task page /tasks/[id]/")

    @task(3)
    def report(self):
        ids = self.tasks_seen or self.mine()
        if not ids:
            return
        pk = random.choice(ids)
        page = self.get(f"/tasks/{pk}/", "GET task page /tasks/[id]/")
        fields = form_fields(text(page), f"/tasks/{pk}/reports/")
        if fields is None:
            return  # not a task this unit reports on (closed meanwhile)
        marker = f"{PREFIX}{uuid.uuid4().hex}"
        fields.update(text=f"本周完成既定工作（{marker}）", percent=str(random.randint(10, 90)))
        answer = self.client.post(
            f"/tasks/{pk}/reports/",
            data=fields,
            files={"files": ("佐证材料.pdf", EVIDENCE, "application/pdf")},
            name="POST report with evidence /tasks/[id]/reports/",
            allow_redirects=False,
        )
        if answer.status_code == 302:
            succeeded.append(marker)

    @task(1)
    def bulk_report(self):
        """一表填报: download what the unit owes, fill three rows, upload, confirm."""
        start = self.get("/reporting/", "GET 一表填报 /reporting/")
        sheet = self.get("/reporting/owed.xlsx", "GET owed sheet /reporting/owed.xlsx")
        if sheet.status_code != 200:
            return
        marker = f"{PREFIX}{uuid.uuid4().hex}"
        data, written = fill_owed(sheet.content, marker, rows=3, keep=self.mine_key)
        if not written:
            return
        fields = form_fields(text(start), "/reporting/uploads/") or {}
        answer = self.client.post(
            "/reporting/uploads/",
            data=fields,
            files={"file": ("本周应报送.xlsx", data, "application/octet-stream")},
            name="POST 一表填报 upload /reporting/uploads/",
            allow_redirects=False,
        )
        match = re.search(r"/reporting/uploads/(\d+)/", answer.headers.get("Location", ""))
        if answer.status_code != 302 or not match:
            return
        url = f"/reporting/uploads/{match.group(1)}/"
        detail = self.get(url, "GET 一表填报 preview /reporting/uploads/[id]/")
        fields = form_fields(text(detail), f"{url}confirm/")
        if fields is None:
            return
        confirmed = self.client.post(
            f"{url}confirm/",
            data=fields,
            name="POST 一表填报 confirm /reporting/uploads/[id]/confirm/",
        )
        if "已写入" in text(confirmed):
            succeeded.extend(written)

    def mine_key(self, task_id: int) -> bool:
        return task_id % self.sharers == self.slot


class Coordinator(Person):
    """活动办: lists with filters, the request queue, the monthly review, an export."""

    fixed_count = COORDINATORS
    username = "coordinator"

    def on_start(self):
        super().on_start()
        page = self.get(f"/campaigns/{CAMPAIGN}/", "GET campaign /campaigns/[slug]/")
        self.lists = links(text(page), rf"href=\"(/campaigns/{CAMPAIGN}/lists/\d+/)\"")
        cycles = self.get(f"/cycles/campaign/{CAMPAIGN}/", "GET cycles /cycles/campaign/[slug]/")
        demo = self.get(f"/cycles/campaign/{DEMO_CAMPAIGN}/", "GET cycles /cycles/campaign/[slug]/")
        self.reviews = links(text(cycles) + text(demo), r"href=\"(/cycles/reviews/\d+/)\"")

    @task(4)
    def list_filtered(self):
        if not self.lists:
            return
        query = random.choice(["?light=red", "?q=优化", "?overdue=on", "?status=in_progress", ""])
        self.get(
            f"{random.choice(self.lists)}{query}",
            "GET list with filters /campaigns/[slug]/lists/[id]/",
        )

    @task(2)
    def campaigns(self):
        self.get("/campaigns/", "GET campaigns /campaigns/")

    @task(2)
    def requests(self):
        self.get("/tasks/requests/", "GET request queue /tasks/requests/")

    @task(2)
    def review(self):
        if self.reviews:
            self.get(random.choice(self.reviews), "GET monthly review /cycles/reviews/[id]/")

    @task(1)
    def export(self):
        """The list of 10,000 is written by a job: ask, follow its page, download."""
        if not self.lists:
            return
        page = self.get(
            f"{random.choice(self.lists)}export/", "GET export /campaigns/[slug]/lists/[id]/export/"
        )
        ask = re.search(r'action="(/exports/ask/[^"]+)"', text(page))
        if ask is None:
            return  # a small list: the file came at once
        action = html.unescape(ask.group(1))
        fields = form_fields(text(page), action) or {}
        answer = self.client.post(
            action, data=fields, name="POST export /exports/ask/…", allow_redirects=False
        )
        location = answer.headers.get("Location", "")
        if answer.status_code != 302 or not location.startswith("/exports/"):
            return
        for _ in range(EXPORT_POLLS):
            shown = self.get(location, "GET export page /exports/[id]/")
            if 'hx-trigger="every 2s"' not in text(shown):
                break
            time.sleep(2)  # as the page asks again (htmx), every two seconds
        download = links(text(shown), r'href="(/exports/\d+/download/)"')
        if download:
            self.get(download[0], "GET export download /exports/[id]/download/")


class Leader(Person):
    """区领导: the cockpit, the red list, a bulletin."""

    fixed_count = LEADERS
    username = "leader"

    def on_start(self):
        super().on_start()
        page = self.get(f"/cycles/campaign/{DEMO_CAMPAIGN}/", "GET cycles /cycles/campaign/[slug]/")
        self.bulletins = links(
            text(page), r"href=\"(/cycles/(?:rounds/\d+|reviews/\d+/bulletin)/)\""
        )

    @task(3)
    def cockpit(self):
        self.get("/cockpit/", "GET cockpit /cockpit/")

    @task(2)
    def red_list(self):
        self.get("/cockpit/red/", "GET red list /cockpit/red/")

    @task(1)
    def bulletin(self):
        if self.bulletins:
            self.get(random.choice(self.bulletins), "GET bulletin /cycles/…")
