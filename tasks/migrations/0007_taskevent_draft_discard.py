"""A draft's tasks never reached anyone: discarding the draft removes them with their import
events. The database keeps refusing every other UPDATE or DELETE on the task history."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION qingdan_taskevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND EXISTS (
        SELECT 1 FROM tasks_task t WHERE t.id = OLD.task_id AND t.status = 'draft'
    ) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'tasks_taskevent rows are append-only: % refused', TG_OP;
END
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    schema_editor.execute("DROP TRIGGER IF EXISTS tasks_taskevent_append_only ON tasks_taskevent")
    schema_editor.execute(
        "CREATE TRIGGER tasks_taskevent_append_only BEFORE UPDATE OR DELETE ON tasks_taskevent "
        "FOR EACH ROW EXECUTE FUNCTION qingdan_taskevent_append_only()"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP TRIGGER IF EXISTS tasks_taskevent_append_only ON tasks_taskevent")
    schema_editor.execute(
        "CREATE TRIGGER tasks_taskevent_append_only BEFORE UPDATE OR DELETE ON tasks_taskevent "
        "FOR EACH ROW EXECUTE FUNCTION qingdan_append_only('0')"
    )
    schema_editor.execute("DROP FUNCTION IF EXISTS qingdan_taskevent_append_only()")


class Migration(migrations.Migration):
    dependencies = [("tasks", "0006_merge_20261203_1439")]

    operations = [migrations.RunPython(forwards, backwards)]
