"""Housekeeping of stored evidence files: the reports' and requests' own, and those of every
app that registers a folder of its own (an inspection's answers, for one)."""

import datetime
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

from django.core.files.storage import Storage
from django.db import models

from tasks.models import Evidence

logger = logging.getLogger(__name__)

EVIDENCE_DIR = "evidence"


@dataclass(frozen=True)
class EvidenceFolder:
    """A folder of stored files that rows of ``model`` name in their ``field``."""

    folder: str
    model: type[models.Model]
    field: str = "file"

    @property
    def storage(self) -> Storage:
        return self.model._meta.get_field(self.field).storage  # type: ignore[union-attr]

    def known(self, names: list[str]) -> set[str]:
        """Which of ``names`` a row names (one query)."""
        rows = self.model._default_manager.filter(**{f"{self.field}__in": names})
        return set(rows.values_list(self.field, flat=True))


_FOLDERS: dict[str, EvidenceFolder] = {EVIDENCE_DIR: EvidenceFolder(EVIDENCE_DIR, Evidence)}


def evidence_folder_register(*, folder: str, model: type[models.Model], field: str = "file"):
    """Have the nightly sweep look after ``folder`` too: a file there that no ``model`` row
    names in ``field`` is removed once past the grace period. Apps above ``tasks`` call this in
    ``ready()``, so ``tasks`` never imports them. Folders may not overlap: the sweep of one
    would delete the files of the other."""
    folder = folder.strip("/")
    if not folder:
        raise ValueError("An evidence folder cannot be the whole media root.")
    for other in _FOLDERS.values():
        if other.folder == folder and (other.model, other.field) == (model, field):
            return
        if f"{other.folder}/".startswith(f"{folder}/") or f"{folder}/".startswith(
            f"{other.folder}/"
        ):
            raise ValueError(f"Evidence folder {folder!r} overlaps {other.folder!r}.")
    _FOLDERS[folder] = EvidenceFolder(folder, model, field)


def evidence_folders() -> list[EvidenceFolder]:
    return list(_FOLDERS.values())


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


def _folder_sweep(folder: EvidenceFolder, cutoff: datetime.datetime, batch_size: int) -> int:
    storage = folder.storage
    removed = 0
    for names in _batches(_stored_names(storage, folder.folder), batch_size):
        known = folder.known(names)
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
        logger.info("removed %d files under %s/ that no row names", removed, folder.folder)
    return removed


def evidence_orphans_remove(
    *, now: datetime.datetime, grace: datetime.timedelta, batch_size: int = 1000
) -> int:
    """Delete stored evidence files that no row names, once older than ``grace``, in every
    registered folder (``evidence/`` for reports and requests, and what apps registered).

    A file is written before its row is committed, so a submission that failed after storing
    its files, or a worker that died in between, leaves the file behind; so does a report
    deleted in the admin. Nothing can reach such a file (downloads go through the rows), and
    the grace period spares files whose rows are still being written.
    """
    cutoff = now - grace
    return sum(_folder_sweep(folder, cutoff, batch_size) for folder in evidence_folders())
