from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from config.errors import RuleViolation
from tasks.files import CheckedFile, evidence_check, stored_file_save
from tasks.models import Evidence, Task

MAX_FILES = 10


def require(allowed: bool) -> None:
    """Refuse an action the permission module does not allow (403; unseen tasks are 404 earlier)."""
    if not allowed:
        raise PermissionDenied


def coordinators_of(task: Task) -> list[User]:
    return list(task.task_list.campaign.coordinators.filter(is_active=True))


def task_url(task: Task) -> str:
    return reverse("tasks:detail", args=[task.pk])


def check_files(files: Iterable) -> list[CheckedFile]:
    """Check every file before anything is stored: one bad file refuses the whole submission."""
    files = [f for f in files if f]
    if len(files) > MAX_FILES:
        raise RuleViolation(_("At most %(n)d files at a time.") % {"n": MAX_FILES}, field="files")
    return [evidence_check(f) for f in files]


def store_files(checked: list[CheckedFile], **owner) -> list[Evidence]:
    """Save the files under server-chosen names. The caller's transaction rolls back the rows;
    the files written so far are removed if anything fails."""
    stored: list[Evidence] = []
    try:
        for item in checked:
            evidence = Evidence(
                original_name=item.original_name,
                size=item.size,
                content_type=item.content_type,
                **owner,
            )
            stored_file_save(evidence.file, item)
            stored.append(evidence)
        return Evidence.objects.bulk_create(stored)
    except BaseException:
        for evidence in stored:
            evidence.file.delete(save=False)
        raise
