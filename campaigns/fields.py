"""A JSON document the database keeps as text.

``ListImportRow.draft`` (each row's task as read and checked) is written once, by the check,
and read whole, by the confirm; ``ListImportRow.data`` (what the preview page shows of the row)
is read whole, a page at a time: the database never looks inside either. As ``jsonb`` PostgreSQL
parsed every document on the way in and wrote it out again on the way back (some 0.1 s of
the server's time per 10,000 rows); as text it stores and returns the bytes. In Python it is
a ``JSONField`` like any other: the same values in and out (SQLite keeps JSON as text anyway).
Key lookups (``draft__title``, ``data__lead``) are not available on it, which nothing needs.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import models


class JSONText(models.JSONField):
    def db_type(self, connection) -> str:
        return "text"

    def get_db_prep_value(self, value: Any, connection, prepared: bool = False) -> Any:
        if value is None or hasattr(value, "as_sql"):
            return value
        return json.dumps(value, cls=self.encoder, ensure_ascii=False)
