"""Every /api/v1/ route × method × role: the expected status (run by tests/api/test_matrix.py;
tests/test_permission_matrix.py checks that every route has an entry here or there).

Roles as in tests/test_permission_matrix.py, each calling with a read-and-write token of its own;
``anon`` sends none. A row the caller may not read answers 404; a rule the caller fails on a row
they can read answers 403."""

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
ADMINS = ("auditor", "sysadmin", "secadmin")
OUTSIDERS = ("other", "other_coord", *ADMINS)


def codes(**by_role) -> dict:
    rest = by_role.pop("rest", None)
    table = {role: by_role.get(role, rest) for role in ROLES}
    assert None not in table.values(), by_role
    return table


ANYONE = codes(anon=401, rest=200)
SEE_TASK = codes(**dict.fromkeys(OUTSIDERS, 404), anon=401, rest=200)


def on_task(**by_role) -> dict:
    """A write on the scene's task: outsiders do not see it (404)."""
    return codes(**dict.fromkeys(OUTSIDERS, 404), anon=401, **by_role)


API_MATRIX = {
    "v1:api-root": {"GET": ANYONE},
    "v1:schema": {"GET": ANYONE},
    "v1:campaign-list": {"GET": ANYONE},
    "v1:campaign-detail": {"GET": SEE_TASK},
    "v1:list-list": {"GET": ANYONE},
    "v1:list-detail": {"GET": SEE_TASK},
    "v1:category-list": {"GET": ANYONE},
    "v1:category-detail": {"GET": SEE_TASK},
    # The directory of units (and their aliases) is no task content: everyone signed in.
    "v1:unit-list": {"GET": ANYONE},
    "v1:unit-detail": {"GET": ANYONE},
    "v1:task-list": {"GET": ANYONE},
    "v1:task-detail": {"GET": SEE_TASK},
    "v1:task-targets": {"GET": SEE_TASK},
    "v1:task-milestones": {"GET": SEE_TASK},
    "v1:task-history": {"GET": SEE_TASK},
    # Reports: the lead and supporting units report; the office and leaders read.
    "v1:report-list": {
        "GET": ANYONE,
        "POST": on_task(lead=201, head=201, support=201, coord=403, leader=403),
    },
    "v1:report-detail": {
        "GET": SEE_TASK,
        "PATCH": on_task(lead=200, head=200, support=403, coord=403, leader=403),
    },
    # The lead unit's head confirms its unit's report waiting for it (the scene's ``pending``).
    "v1:report-confirm": {"POST": on_task(head=200, lead=403, support=403, coord=403, leader=403)},
    "v1:evidence-detail": {"GET": SEE_TASK},
    # Requests: the lead unit asks, the campaign's coordinators decide.
    "v1:request-list": {
        "GET": ANYONE,
        "POST": on_task(lead=201, head=201, support=403, coord=403, leader=403),
    },
    "v1:request-detail": {"GET": SEE_TASK},
    "v1:request-decide": {"POST": on_task(coord=200, lead=403, head=403, support=403, leader=403)},
    "v1:request-withdraw": {
        "POST": on_task(lead=200, head=200, support=403, coord=403, leader=403)
    },
    # Instructions: leaders and the coordinators give them, the lead unit answers.
    "v1:instruction-list": {
        "GET": ANYONE,
        "POST": on_task(coord=201, leader=201, lead=403, head=403, support=403),
    },
    "v1:instruction-detail": {"GET": SEE_TASK},
    "v1:instruction-answer": {
        "POST": on_task(lead=200, head=200, support=403, coord=403, leader=403)
    },
    # 催办: whoever may give an instruction on the task may chase it.
    "v1:instruction-urge": {
        "POST": on_task(coord=200, leader=200, lead=403, head=403, support=403)
    },
    # One's own notifications only.
    "v1:notification-list": {"GET": ANYONE},
    "v1:notification-read": {"POST": codes(lead=200, anon=401, rest=404)},
}
