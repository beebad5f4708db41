"""On PostgreSQL, the database itself refuses to change or delete audit rows.

The application already refuses (MatchEvent.save/delete, the queryset, the admin); the trigger
also stops a stray UPDATE from a shell or another program.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION matchmaker_matchevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'matchmaker_matchevent is append-only';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS matchmaker_matchevent_append_only ON matchmaker_matchevent;
CREATE TRIGGER matchmaker_matchevent_append_only
    BEFORE UPDATE OR DELETE ON matchmaker_matchevent
    FOR EACH ROW EXECUTE FUNCTION matchmaker_matchevent_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS matchmaker_matchevent_append_only ON matchmaker_matchevent;
DROP FUNCTION IF EXISTS matchmaker_matchevent_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("matchmaker", "0002_review_workflow")]

    operations = [migrations.RunPython(forwards, backwards)]
