"""Who reads the audit trail: the auditor (审计管理员), and nobody else through the pages.

``audit`` sits below ``accounts`` (every app records into it), so it names the role by its
value; tests/audit checks that it is ``accounts.models.Role.AUDITOR``.
"""

AUDITOR_ROLE = "auditor"


def reads_audit_trail(user) -> bool:
    return bool(user.is_authenticated and user.has_role(AUDITOR_ROLE))
