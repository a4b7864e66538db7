"""The house rules on the code's shape, checked on every run (complexity is ruff's C901)."""

import ast
import re
from pathlib import Path

from django.db.migrations.loader import MigrationLoader

ROOT = Path(__file__).resolve().parent.parent
APPS = [
    "audit",
    "accounts",
    "formtokens",
    "campaigns",
    "tasks",
    "cycles",
    "notifications",
    "inspections",
    "measures",
    "reporting",
    "challenges",
    "problems",
    "cockpit",
    "demo",
    "api",
    "config",
]
MAX_LINES = 450


def _sources(*apps: str):
    for app in apps:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_no_module_is_longer_than_the_house_limit():
    long = {
        str(path.relative_to(ROOT)): n
        for path in _sources(*APPS, "benchmarks")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_accounts_points_at_no_app_above_it():
    above = ("campaigns", "tasks", "cycles", "notifications", "challenges", "problems", "demo")
    offending = {
        str(path.relative_to(ROOT)): sorted(
            m for m in _imported_modules(path) if m.startswith(above)
        )
        for path in _sources("accounts")
    }
    assert {path: mods for path, mods in offending.items() if mods} == {}


def test_audit_points_at_no_app_of_ours():
    """Every app records into the audit trail, so it sits below them all."""
    ours = ("accounts", "campaigns", "tasks", "cycles", "notifications", "inspections")
    offending = {
        str(path.relative_to(ROOT)): sorted(
            m for m in _imported_modules(path) if m.startswith((*ours, "measures", "demo"))
        )
        for path in _sources("audit")
    }
    assert {path: mods for path, mods in offending.items() if mods} == {}


def test_the_tasks_app_does_not_import_campaign_services():
    offending = {
        str(path.relative_to(ROOT)): sorted(
            m for m in _imported_modules(path) if m.startswith("campaigns.services")
        )
        for path in _sources("tasks")
    }
    assert {path: mods for path, mods in offending.items() if mods} == {}


def test_the_apps_below_reporting_do_not_import_it():
    """一表填报 joins 我的任务 through ``tasks.hooks``: tasks and cycles never import it."""
    offending = {
        str(path.relative_to(ROOT)): sorted(
            m for m in _imported_modules(path) if m.startswith("reporting")
        )
        for path in _sources("accounts", "campaigns", "notifications", "tasks", "cycles")
    }
    assert {path: mods for path, mods in offending.items() if mods} == {}


ROLE_TEST = re.compile(r"has_role\(|\.role_set\b|\bRole\.[A-Z_]+ in roles\b")


def test_roles_are_tested_only_in_permissions_modules_and_models():
    places = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in [*_sources(*APPS), *sorted((ROOT / "templates").rglob("*.html"))]
        if path.name not in ("permissions.py", "models.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ROLE_TEST.search(line)
    ]
    assert places == []


def test_the_migrations_of_the_apps_form_no_loop():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    ours = {
        "audit",
        "accounts",
        "formtokens",
        "campaigns",
        "tasks",
        "cycles",
        "notifications",
        "inspections",
        "measures",
        "reporting",
        "challenges",
        "problems",
        "cockpit",
    }
    needs: dict[str, set[str]] = {app: set() for app in ours}
    for (app, _name), migration in loader.disk_migrations.items():
        if app in ours:
            needs[app] |= {dep for dep, _ in migration.dependencies if dep in ours and dep != app}

    def reaches(start: str, goal: str, seen: frozenset = frozenset()) -> bool:
        return any(
            dep == goal or (dep not in seen and reaches(dep, goal, seen | {dep}))
            for dep in needs[start]
        )

    assert [app for app in ours if reaches(app, app)] == []


POST_FORM = re.compile(r"<form\b[^>]*\bmethod=[\"']?post\b[^>]*>(.*?)</form>", re.I | re.S)


def test_every_post_form_in_the_templates_carries_a_one_time_token():
    """{% form_token %} next to {% csrf_token %}: the same form sent twice is acted on once."""
    bare = [
        f"{path.relative_to(ROOT)}:{text[: match.start()].count(chr(10)) + 1}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for text in [path.read_text(encoding="utf-8")]
        for match in POST_FORM.finditer(text)
        if "{% form_token %}" not in match.group(1)
    ]
    assert bare == []


def test_views_that_only_take_a_form_say_which_page_a_get_returns_to():
    """``config.pages.post_only`` instead of Django's ``require_POST`` (a bare 405 page)."""
    places = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _sources(*APPS)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "require_POST" in line
    ]
    assert places == []
