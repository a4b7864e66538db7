"""Rows per statement when the cycles write in bulk (round items, digests, review lines)."""

BATCH = 2000
