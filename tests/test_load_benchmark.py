"""The load benchmark's client side (benchmarks/load/pages.py): what it reads out of pages and
how it fills the 本周应报送 sheet. The run itself is a benchmark, not a test (README, "Load
and faults")."""

import io
import json

import openpyxl
import pytest

from benchmarks.load.pages import account_of, form_fields, links, split
from benchmarks.load.sheetfill import fill_owed
from reporting.workbook import HEADER_ROW, KEY, PERCENT, TEXT

PAGE = """
<form method="post" novalidate><input type="hidden" name="csrfmiddlewaretoken" value="c1">
<input type="hidden" name="_form_token" value="t1"><input name="username"></form>
<form method="post" action="/tasks/7/reports/" enctype="multipart/form-data">
<input type="hidden" name="csrfmiddlewaretoken" value="c2">
<input type="hidden" name="_form_token" value="t2">
<input type="hidden" name="version" value="3" id="id_version"></form>
<a href="/tasks/7/">7</a> <a href="/tasks/9/">9</a> <a href="/tasks/7/">again</a>
"""


def test_the_hidden_fields_of_the_form_posting_where_asked():
    assert form_fields(PAGE, "") == {"csrfmiddlewaretoken": "c1", "_form_token": "t1"}
    assert form_fields(PAGE, "/tasks/7/reports/") == {
        "csrfmiddlewaretoken": "c2",
        "_form_token": "t2",
        "version": "3",
    }
    assert form_fields(PAGE, "/tasks/8/reports/") is None
    assert links(PAGE, r'href="/tasks/(\d+)/"') == ["7", "9"]


@pytest.mark.parametrize(("users", "expected"), [(50, (40, 8, 2)), (10, (8, 2, 1)), (1, (1, 1, 1))])
def test_the_mix_is_four_fifths_staff(users, expected):
    assert split(users) == expected


def test_staff_beyond_the_accounts_share_them_in_turn():
    assert [account_of(n, 3) for n in range(5)] == [
        "load00",
        "load01",
        "load02",
        "load00",
        "load01",
    ]


def _owed_sheet(keys: list[str]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.cell(row=HEADER_ROW, column=1, value=KEY)
    for column, name in enumerate([TEXT, PERCENT, "当前进度（%）"], start=2):
        sheet.cell(row=HEADER_ROW, column=column, value=name)
    for row, key in enumerate(keys, start=HEADER_ROW + 1):
        sheet.cell(row=row, column=1, value=key)
        sheet.cell(row=row, column=4, value=20)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_fill_reports_the_first_rows_of_the_users_tasks_each_with_a_marker():
    data = _owed_sheet(["t10v1r5", "t11v1r5", "t12v2r5", "t14v1r5"])

    filled, markers = fill_owed(data, "负载测试ab", rows=2, keep=lambda task: task % 2 == 0)

    assert markers == ["负载测试ab-0", "负载测试ab-1"]
    sheet = openpyxl.load_workbook(io.BytesIO(filled)).active
    texts = [sheet.cell(row=r, column=2).value for r in range(HEADER_ROW + 1, HEADER_ROW + 5)]
    assert texts == ["本周推进顺利（负载测试ab-0）", None, "本周推进顺利（负载测试ab-1）", None]
    assert sheet.cell(row=HEADER_ROW + 1, column=3).value == 25


def test_the_report_check_counts_a_text_replaced_by_a_later_correction_once(world, tmp_path):
    """A unit reporting twice on a task in a round corrects the round's report (一表填报 after
    a single report): the first text is in the history, not lost. A marker in neither place,
    or in two reports, is a failure."""
    from benchmarks.load.checks import check_reports
    from tasks.services import report_edit, report_submit

    first, second, lost, twice = (f"负载测试{n:032x}" for n in range(4))
    report = report_submit(task=world.task, by=world.lead_staff, text=f"甲（{first}）", percent=30)
    report_edit(report=report, by=world.lead_staff, text=f"乙（{second}）", percent=40)
    for _ in range(2):
        report_submit(task=world.task, by=world.lead_staff, text=f"丙（{twice}）", percent=50)
    markers = tmp_path / "markers.json"

    markers.write_text(json.dumps([first, second]))
    assert check_reports(markers) == []
    markers.write_text(json.dumps([first, second, lost, twice]))
    problems = check_reports(markers)
    assert len(problems) == 2
    assert lost in problems[0] and twice in problems[1]


def test_fill_leaves_the_rows_reported_this_round_alone():
    """A row whose 本周进展 is filled was reported this round: filling it again would edit
    that report and lose the marker the checks look for."""
    data = _owed_sheet(["t10v1r5p7v1", "t12v2r5", "t14v1r5"])
    book = openpyxl.load_workbook(io.BytesIO(data))
    book.active.cell(row=HEADER_ROW + 1, column=2, value="已报送（负载测试cd-0）")
    buffer = io.BytesIO()
    book.save(buffer)

    filled, markers = fill_owed(buffer.getvalue(), "负载测试ab", rows=2)

    sheet = openpyxl.load_workbook(io.BytesIO(filled)).active
    texts = [sheet.cell(row=r, column=2).value for r in range(HEADER_ROW + 1, HEADER_ROW + 4)]
    assert texts == [
        "已报送（负载测试cd-0）",
        "本周推进顺利（负载测试ab-0）",
        "本周推进顺利（负载测试ab-1）",
    ]
    assert markers == ["负载测试ab-0", "负载测试ab-1"]


def test_the_p95_of_reads_and_of_writes_together_merges_the_endpoints(tmp_path):
    """``run`` prints the 95th percentile of every read together and of every write together
    from the times the locustfile wrote: a fast read of many requests and a slow one of few
    make one distribution; logins are left out."""
    from benchmarks.load.run import p95_by_kind

    times = {
        "GET task page /tasks/[id]/": {"80": 190, "120": 5},
        "GET cockpit /cockpit/": {"500": 5},
        "POST report with evidence /tasks/[id]/reports/": {"200": 39, "700": 1},
        "login": {"9000": 50},
    }
    (tmp_path / "times.json").write_text(json.dumps(times), encoding="utf-8")

    assert p95_by_kind(tmp_path / "times.json") == {"read": 120, "write": 200}
    times["GET cockpit /cockpit/"] = {"500": 11}  # slow reads past 5 % of them
    (tmp_path / "times.json").write_text(json.dumps(times), encoding="utf-8")
    assert p95_by_kind(tmp_path / "times.json")["read"] == 500
    assert p95_by_kind(tmp_path / "missing.json") == {}


def test_the_machines_cpu_a_request_is_over_every_request_locust_counted(tmp_path):
    from benchmarks.load.run import requests_made

    (tmp_path / "stats_stats.csv").write_text(
        "Type,Name,Request Count,Failure Count\n"
        "GET,GET task page /tasks/[id]/,4000,0\n"
        "POST,POST report with evidence /tasks/[id]/reports/,2250,1\n"
        ",Aggregated,6250,1\n",
        encoding="utf-8",
    )
    assert requests_made(tmp_path / "stats_stats.csv") == 6250


def test_the_client_runs_at_the_priority_asked_and_keeps_its_own_when_refused():
    """``run`` sets Locust's priority once it has started it (``client_first``): a lower one
    is always allowed; a higher one (below the current) only with CAP_SYS_NICE, and refused
    it leaves the process as it was rather than failing the run."""
    import os
    import subprocess
    import sys

    from benchmarks.load.run import client_first

    def niceness(nice: int) -> int:
        child = subprocess.Popen(
            [sys.executable, "-c", "import sys, os; sys.stdin.read(); print(os.nice(0))"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        client_first(child.pid, nice)
        shown, _ = child.communicate("")
        return int(shown)

    base = os.nice(0)
    assert niceness(min(base + 3, 19)) == min(base + 3, 19)
    assert niceness(base - 2) in (base - 2, base)  # raised where allowed, else as it was


def test_the_run_names_the_machine_its_figures_were_taken_on(tmp_path):
    """``run`` prints the processor's model, the CPUs it may use, whether they are a virtual
    machine's, and the memory: the same code's figures differ by a third between this
    project's machines (README, "Load and faults")."""
    import os
    import platform

    from benchmarks.load.stack import machine_described

    processor = "processor\t: {n}\nmodel name\t: AMD EPYC\nflags\t\t: fpu sse2 {extra}avx2\n\n"
    (tmp_path / "cpuinfo").write_text(
        "".join(processor.format(n=n, extra="hypervisor ") for n in range(8)), encoding="utf-8"
    )
    (tmp_path / "meminfo").write_text(
        "MemTotal:       24641984 kB\nMemFree:        1000 kB\n", encoding="utf-8"
    )
    # The CPUs given, not the host's eight that /proc/cpuinfo lists in a container.
    assert machine_described(tmp_path, cpus=2) == "AMD EPYC, 2 CPUs (a virtual machine), 24 GiB"

    (tmp_path / "cpuinfo").write_text(processor.format(n=0, extra="hypervisorx "), "utf-8")
    (tmp_path / "meminfo").write_text("MemTotal:        3984588 kB\n", encoding="utf-8")
    assert machine_described(tmp_path, cpus=1) == "AMD EPYC, 1 CPU, 3.8 GiB"
    # An ARM machine's cpuinfo names no model and no flags.
    (tmp_path / "cpuinfo").write_text("processor\t: 0\nCPU implementer\t: 0x41\n", "utf-8")
    assert machine_described(tmp_path, cpus=4) == (
        f"an {platform.machine() or 'unknown'} processor, 4 CPUs, 3.8 GiB"
    )
    (tmp_path / "meminfo").unlink()
    (tmp_path / "cpuinfo").unlink()
    assert machine_described(tmp_path, cpus=3) == f"an {platform.machine()} processor, 3 CPUs"
    # Without ``cpus``: those this process may run on.
    assert f", {len(os.sched_getaffinity(0))} CPU" in machine_described(tmp_path)
