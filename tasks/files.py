"""Evidence files: what we accept, checked by content as well as by name."""

import logging
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from config.errors import RuleViolation

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc .xls .wps .et (the old Office / WPS format)
ZIP = b"PK\x03\x04"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Kind:
    content_type: str
    signatures: tuple[bytes, ...]
    zip_folder: str = ""  # an Office Open XML file is a zip with this folder inside


KINDS = {
    ".pdf": Kind("application/pdf", (b"%PDF-",)),
    ".jpg": Kind("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": Kind("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": Kind("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".gif": Kind("image/gif", (b"GIF87a", b"GIF89a")),
    ".webp": Kind("image/webp", (b"RIFF",)),
    ".doc": Kind("application/msword", (OLE2,)),
    ".xls": Kind("application/vnd.ms-excel", (OLE2,)),
    ".wps": Kind("application/vnd.ms-works", (OLE2,)),
    ".et": Kind("application/vnd.ms-excel", (OLE2,)),
    ".docx": Kind(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (ZIP,), "word/"
    ),
    ".xlsx": Kind(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (ZIP,), "xl/"
    ),
}
ALLOWED = ", ".join(sorted(KINDS))


@dataclass(frozen=True)
class CheckedFile:
    upload: object
    original_name: str
    size: int
    content_type: str


def evidence_check(upload) -> CheckedFile:
    """Refuse a file that is too large, of a kind we do not take, or not what its name says."""
    name = PurePath(upload.name or "").name[:255]
    suffix = PurePath(name).suffix.lower()
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise RuleViolation(
            _("%(name)s is %(size)s; files may be at most %(limit)s.")
            % {"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            field="files",
        )
    if upload.size == 0:
        raise RuleViolation(_("%(name)s is empty.") % {"name": name}, field="files")
    kind = KINDS.get(suffix)
    if kind is None:
        raise RuleViolation(
            _("%(name)s: this kind of file is not accepted. Accepted: %(allowed)s.")
            % {"name": name, "allowed": ALLOWED},
            field="files",
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    looks_right = any(head.startswith(sig) for sig in kind.signatures)
    if looks_right and suffix == ".webp":
        looks_right = head[8:12] == b"WEBP"
    if looks_right and kind.zip_folder:
        looks_right = _zip_has_folder(upload, kind.zip_folder)
    if not looks_right:
        raise RuleViolation(
            _("%(name)s is not really a %(suffix)s file (its content does not match its name).")
            % {"name": name, "suffix": suffix},
            field="files",
        )
    return CheckedFile(
        upload=upload, original_name=name, size=upload.size, content_type=kind.content_type
    )


def _zip_has_folder(upload, folder: str) -> bool:
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
        return "[Content_Types].xml" in names and any(n.startswith(folder) for n in names)
    except zipfile.BadZipFile:
        return False
    finally:
        upload.seek(0)


def stored_file_save(field_file, item: CheckedFile) -> None:
    """Write one checked upload to the storage (the local folder or the object store) under
    the name the field chooses, without saving the row.

    A storage that fails (a full or read-only disk, an object store that is down or refuses
    the write) refuses the whole submission with a message saying so: the caller's
    transaction then stores no row, and what this write left behind (a partly written file)
    is removed here; files written before it are removed by the caller.
    """
    storage = field_file.storage
    name = field_file.field.generate_filename(field_file.instance, item.original_name)
    try:
        saved = storage.save(name, item.upload, max_length=field_file.field.max_length)
    except Exception as error:
        logger.exception("storing %s as %s failed", item.original_name, name)
        _remove_quietly(storage, name)
        raise RuleViolation(
            _(
                "%(name)s could not be stored: the file storage is full or refuses writes. "
                "Nothing of this submission was saved; try again later or tell the system "
                "administrator."
            )
            % {"name": item.original_name},
            field="files",
            code="storage",
        ) from error
    field_file.name = saved
    setattr(field_file.instance, field_file.field.attname, saved)
    field_file._committed = True


def _remove_quietly(storage, name: str) -> None:
    try:
        if storage.exists(name):
            storage.delete(name)
    except Exception:  # the storage is failing already: the nightly orphan sweep retries
        logger.warning("could not remove the partly stored %s", name, exc_info=True)
