"""Housekeeping of stored evidence files."""

import datetime
import logging
from collections.abc import Iterator
from itertools import islice

from django.core.files.storage import Storage

from tasks.models import Evidence

logger = logging.getLogger(__name__)

EVIDENCE_DIR = "evidence"


def _stored_names(storage: Storage, path: str) -> Iterator[str]:
    try:
        directories, files = storage.listdir(path)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{path}/{name}"
    for directory in sorted(directories):
        yield from _stored_names(storage, f"{path}/{directory}")


def _batches(names: Iterator[str], size: int) -> Iterator[list[str]]:
    while batch := list(islice(names, size)):
        yield batch


def evidence_orphans_remove(
    *, now: datetime.datetime, grace: datetime.timedelta, batch_size: int = 1000
) -> int:
    """Delete stored evidence files that no Evidence row names, once older than ``grace``.

    A file is written before its row is committed, so a submission that failed after storing
    its files, or a worker that died in between, leaves the file behind; so does a report
    deleted in the admin. Nothing can reach such a file (downloads go through the rows), and
    the grace period spares files whose rows are still being written.
    """
    storage = Evidence._meta.get_field("file").storage
    cutoff = now - grace
    removed = 0
    for names in _batches(_stored_names(storage, EVIDENCE_DIR), batch_size):
        known = set(Evidence.objects.filter(file__in=names).values_list("file", flat=True))
        for name in names:
            if name in known:
                continue
            try:
                if storage.get_modified_time(name) >= cutoff:
                    continue
            except FileNotFoundError:
                continue
            storage.delete(name)
            removed += 1
    if removed:
        logger.info("removed %d evidence files that no report or request names", removed)
    return removed
