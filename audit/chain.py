"""The hash chain of the audit trail: what a row's hash covers, and the check of the chain."""

import datetime
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

GENESIS = ""

FIELDS = ("at", "kind", "outcome", "actor_id", "username", "ip", "method", "path", "target")


def _canonical(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    return value


def row_hash(*, prev_hash: str, values: dict) -> str:
    """SHA-256 of the previous row's hash and every field of this row, in a fixed form."""
    body = {name: _canonical(values.get(name)) for name in FIELDS}
    body["detail"] = values.get("detail") or {}
    text = json.dumps([prev_hash, body], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Verdict:
    """What a check of the chain found: rows read, and each break with the row it is at."""

    rows: int = 0
    first_id: int | None = None
    last_id: int | None = None
    problems: list[tuple[int, str]] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def verify(rows: Iterable[dict], *, anchors: Iterable[str] = ()) -> Verdict:
    """Walk ``rows`` (dicts with the fields, ``id``, ``detail``, ``prev_hash``, ``hash``, in id
    order). A row whose hash does not match its content was changed; a row whose previous hash
    is not the hash of the row before it follows a gap (a row was removed). The first row may
    start from a pruned row's hash, when the prune job recorded it (``anchors``)."""
    verdict = Verdict()
    allowed_starts = {GENESIS, *anchors}
    previous: str | None = None
    for row in rows:
        verdict.rows += 1
        verdict.first_id = verdict.first_id or row["id"]
        verdict.last_id = row["id"]
        expected_prev = previous
        if expected_prev is None:
            if row["prev_hash"] not in allowed_starts:
                verdict.problems.append((row["id"], "gap"))
        elif row["prev_hash"] != expected_prev:
            verdict.problems.append((row["id"], "gap"))
        if row_hash(prev_hash=row["prev_hash"], values=row) != row["hash"]:
            verdict.problems.append((row["id"], "changed"))
        previous = row["hash"]
    return verdict
