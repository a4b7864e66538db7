#!/usr/bin/env python3
"""The two commands of the README, and the steps they share.

    python3 dev.py run    set up, migrate, load the demo, run web + worker + beat
    python3 dev.py test   set up, then ruff, mypy, stylelint, makemigrations --check and pytest
                          (with a 300 s timeout per test; the coverage summary at the end on
                          Python 3.12+, or with QINGDAN_COVERAGE=1)

Both are idempotent: the second time they only check what the first one did. Needs only
Python 3.11+, git, and Node.js with npm (for the pinned front-end assets).
"""

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
VENDOR = ROOT / "static" / "vendor"
STYLELINT = ROOT / "node_modules" / ".bin" / ("stylelint.cmd" if os.name == "nt" else "stylelint")

# What the app serves from static/vendor/, copied out of node_modules (see package.json).
ASSETS = {
    "node_modules/htmx.org/dist/htmx.min.js": "htmx.min.js",
    "node_modules/echarts/dist/echarts.min.js": "echarts.min.js",
    "node_modules/@picocss/pico/css/pico.min.css": "pico.min.css",
}


def say(message: str) -> None:
    print(f"\033[1m==> {message}\033[0m", flush=True)


def sh(*args, **kwargs) -> None:
    subprocess.run([str(a) for a in args], check=True, cwd=ROOT, **kwargs)


def digest(*paths: Path) -> str:
    h = hashlib.sha256()
    for path in paths:
        h.update(path.read_bytes())
    h.update(sys.version.encode())
    return h.hexdigest()


def setup_python() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be started by an older python3
        sys.exit("Qingdan needs Python 3.11 or newer.")
    if not PY.exists():
        say("Creating the virtual environment in .venv")
        sh(sys.executable, "-m", "venv", VENV)
    stamp = VENV / ".qingdan-installed"
    wanted = digest(ROOT / "pyproject.toml")
    if stamp.exists() and stamp.read_text() == wanted:
        return
    say("Installing Python packages (pyproject.toml)")
    sh(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    sh(PY, "-m", "pip", "install", "--quiet", "-e", ".[dev]")
    stamp.write_text(wanted)


def setup_assets() -> None:
    stamp = VENDOR / ".installed"
    wanted = digest(ROOT / "package-lock.json")
    if stamp.exists() and stamp.read_text() == wanted and STYLELINT.exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        sys.exit(
            "npm was not found: install Node.js with npm to fetch the pinned front-end assets."
        )
    say("Installing front-end assets (package-lock.json)")
    sh(npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error")
    VENDOR.mkdir(parents=True, exist_ok=True)
    for source, target in ASSETS.items():
        shutil.copyfile(ROOT / source, VENDOR / target)
    stamp.write_text(wanted)


def manage(*args: str, env=None) -> None:
    sh(PY, "manage.py", *args, env=env)


def setup() -> None:
    setup_python()
    setup_assets()


def time_zone() -> str:
    """The app's time zone (TIME_ZONE, from the environment or .env, as settings.py reads it)."""
    if os.environ.get("TIME_ZONE"):
        return os.environ["TIME_ZONE"]
    dotenv = ROOT / ".env"
    if dotenv.exists():
        for line in dotenv.read_text(encoding="utf-8").splitlines():
            name, _, value = line.partition("=")
            if name.strip() == "TIME_ZONE" and value.strip():
                return value.strip().strip("'\"")
    return "Asia/Shanghai"


def run_environment(port: str) -> dict[str, str]:
    """What web, worker and beat run with. TZ is the app's time zone: Django sets it in every
    process once its settings load, so without it honcho's own timestamps and gunicorn's first
    lines were UTC and the rest local time; now the whole log is in one zone."""
    return {
        **os.environ,
        "PORT": port,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "TZ": time_zone(),
    }


def run() -> None:
    os.environ["TZ"] = time_zone()  # the steps below log in the same zone as the servers
    setup()
    say("Migrating the database")
    manage("migrate", "--no-input", "--verbosity", "0")
    say("Loading the demo data")
    manage("load_demo")
    say("Replaying the last weeks' dispatch rounds, then what is due now")
    # The demo's history spans past weeks: replaying their Monday mornings gives closed
    # rounds with bulletins to look at. Idempotent, like every cycle.
    import datetime

    today = datetime.date.today()
    monday = today - datetime.timedelta(days=today.weekday())
    for weeks_back in (3, 2, 1):
        moment = monday - datetime.timedelta(weeks=weeks_back)
        manage("run_cycles", "--at", f"{moment.isoformat()}T10:00")
    manage("run_cycles")
    port = os.environ.get("PORT", "8000")
    password = os.environ.get("DEMO_PASSWORD", "qingdan-demo-2026")
    print(
        f"""
  Qingdan is starting at  http://127.0.0.1:{port}/

  Demo logins (password: {password})
    coordinator  活动办 coordinator of both demo campaigns
    leader       区领导, sees every campaign and task
    staff        区行政审批服务局 staff
    head         区行政审批服务局 unit head
    auditor      审计管理员
    sysadmin     系统管理员 (also /admin/)
    secadmin     安全管理员

  Web, Celery worker and Celery beat run below; Ctrl-C stops all three.
""",
        flush=True,
    )
    env = run_environment(port)
    # The demo's administrators log in without an authenticator app; a deployment keeps the
    # second factor required (the setting's default).
    env.setdefault("ADMIN_TOTP_REQUIRED", "false")
    os.execve(PY, [str(PY), "-m", "honcho", "-f", str(ROOT / "Procfile"), "start"], env)


def test(pytest_args: list[str]) -> None:
    setup()
    say("ruff check and ruff format --check")
    sh(BIN / "ruff", "check", ".")
    sh(BIN / "ruff", "format", "--check", ".")
    say("mypy with django-stubs (the app packages, [tool.mypy] in pyproject.toml)")
    sh(BIN / "mypy")
    say("stylelint (static/css, .stylelintrc.json)")
    sh(STYLELINT, "static/css/**/*.css")
    say("makemigrations --check")
    manage("makemigrations", "--check", "--dry-run", "--verbosity", "1")
    coverage = ["--cov", "--cov-report=term"] if coverage_wanted() else []
    say(
        "pytest"
        + (
            " (coverage summary at the end)"
            if coverage
            else " (no coverage on Python 3.11: QINGDAN_COVERAGE=1 adds it)"
        )
    )
    result = subprocess.run(
        [str(PY), "-m", "pytest", *coverage, *processes(pytest_args), *pytest_args],
        cwd=ROOT,
        env=test_environment(),
    )
    sys.exit(result.returncode)


def processes(pytest_args: list[str]) -> list[str]:
    """pytest-xdist: one test process per core (QINGDAN_TEST_PROCESSES overrides; 1 runs them
    in this process). Tests that share a Redis queue run in one process (tests/conftest.py)."""
    if any(a == "-n" or a.startswith(("-n", "--numprocesses")) for a in pytest_args):
        return []
    count = os.environ.get("QINGDAN_TEST_PROCESSES", "auto")
    return [] if count == "1" else ["-n", count, "--dist", "loadgroup"]


def coverage_wanted() -> bool:
    """Coverage where it is cheap: Python 3.12+ measures through sys.monitoring, a fraction of
    the run; on 3.11 coverage's trace function made the whole run 40 % longer (13 min 47 s
    against 9 min 37 s of pytest on this project's 2-core machine), past its 15-minute budget,
    so there it runs when asked (QINGDAN_COVERAGE=1; QINGDAN_COVERAGE=0 never)."""
    asked = os.environ.get("QINGDAN_COVERAGE", "")
    if asked in ("0", "1"):
        return asked == "1"
    return sys.version_info >= (3, 12)


def test_environment() -> dict[str, str]:
    env = dict(os.environ)
    if sys.version_info >= (3, 12):  # sys.monitoring: coverage at a fraction of settrace's cost
        env.setdefault("COVERAGE_CORE", "sysmon")
    return env


def main(argv: list[str]) -> None:
    command = argv[1] if len(argv) > 1 else "help"
    os.chdir(ROOT)
    if command == "run":
        run()
    elif command == "test":
        test(argv[2:])
    elif command == "setup":
        setup()
    else:
        print(__doc__)
        sys.exit(0 if command == "help" else 2)


if __name__ == "__main__":
    main(sys.argv)
