"""Writes of the cockpit: the weekly snapshots (``snapshots``) and the big-screen links and
the record of their use (``screens``)."""

from cockpit.services.screens import screen_create, screen_revoke, screen_use
from cockpit.services.snapshots import (
    snapshot_from_round,
    snapshot_store,
    snapshots_backfill,
)

__all__ = [
    "screen_create",
    "screen_revoke",
    "screen_use",
    "snapshot_from_round",
    "snapshot_store",
    "snapshots_backfill",
]
