"""django-import-export resources: the unit directory in and out of /admin/, aliases included."""

import re

from import_export import fields, resources, widgets

from accounts.models import Unit
from accounts.services import guess_unit_kind, unit_aliases_set
from config.pages import FormulaSafeExport, spreadsheet_text_read

_ALIAS_SEPARATORS = re.compile(r"[、，,；;\r\n]+")


class UnitResource(FormulaSafeExport, resources.ModelResource):
    """One row per unit: name, kind, parent (by name), active, order and its aliases.

    The aliases column lists the unit's other names separated by 、 (or ，,；; and line
    breaks); importing a row makes them exactly the unit's aliases. A row with no kind gets
    the kind its name suggests (区纪委监委: a supervisory body, which may not lead tasks).
    """

    parent = fields.Field(
        attribute="parent",
        column_name="parent",
        widget=widgets.ForeignKeyWidget(Unit, field="name"),
    )
    aliases = fields.Field(column_name="aliases")

    class Meta:
        model = Unit
        fields = ("name", "kind", "parent", "active", "order", "aliases")
        export_order = fields
        import_id_fields = ("name",)
        skip_unchanged = False
        clean_model_instances = True

    def get_queryset(self):
        return (
            Unit.objects.select_related("parent")
            .prefetch_related("aliases")
            .order_by("order", "name")
        )

    def before_import_row(self, row, **kwargs):
        for key in list(row.keys()):
            row[key] = spreadsheet_text_read(row[key])
        if "kind" in row and not (row.get("kind") or "").strip():
            row["kind"] = guess_unit_kind(str(row.get("name") or "").strip())

    def dehydrate_aliases(self, unit: Unit) -> str:
        return "、".join(alias.alias for alias in unit.aliases.all())

    def after_save_instance(self, instance, row, **kwargs):
        if "aliases" not in row:
            return
        text = row.get("aliases") or ""
        aliases = [part.strip() for part in _ALIAS_SEPARATORS.split(str(text)) if part.strip()]
        unit_aliases_set(unit=instance, aliases=aliases)
