"""The access log (查询记录) is append-only in the database itself on PostgreSQL: a trigger refuses every UPDATE
and DELETE of its rows, whatever code, admin or console tries. (TRUNCATE, which only a database owner's
maintenance does, is left alone; so is SQLite, the newcomer's database.)"""

from django.db import migrations

CREATE = [
    """
CREATE FUNCTION creditloan_access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the access log is append-only: % of entry % refused', TG_OP, OLD.id
        USING ERRCODE = 'insufficient_privilege';
END;
$$
""",
    "CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON creditloan_accesslog "
    "FOR EACH ROW EXECUTE FUNCTION creditloan_access_log_append_only()",
]
DROP = [
    "DROP TRIGGER IF EXISTS access_log_append_only ON creditloan_accesslog",
    "DROP FUNCTION IF EXISTS creditloan_access_log_append_only()",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("creditloan", "0011_token_password_mark")]

    operations = [migrations.RunPython(create, drop)]
