"""What every append-only history table (task events, application events) shares."""

from django.db import models


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses bulk updates and deletes: history rows are written once and never changed."""

    def update(self, **kwargs):
        raise TypeError(f"{self.model.__name__} rows are append-only.")

    def delete(self):
        raise TypeError(f"{self.model.__name__} rows are append-only.")
