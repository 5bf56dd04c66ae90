"""The audit trail (accounts.audit): its head, its events, what the History and sign-ins knew.

Existing History entries and sign-in records become events marked imported,
in the order they happened, chained like every later event. A trigger moves
the head along with every event inserted, so that one statement records one.
"""

from django.db import migrations, models

# The trail's own canonical form and hash: they define what every stored hash
# covers, so they cannot change without breaking the chain anyway.
from accounts.audit import GENESIS, canonical, chained

TRIGGER = {
    "sqlite": [
        "CREATE TRIGGER accounts_auditevent_head AFTER INSERT ON accounts_auditevent "
        "BEGIN UPDATE accounts_audithead SET seq = NEW.seq, hash = NEW.hash "
        "WHERE id = 1 AND seq < NEW.seq; END",
    ],
    "postgresql": [
        "CREATE FUNCTION accounts_auditevent_head() RETURNS trigger AS $$ BEGIN "
        "UPDATE accounts_audithead SET seq = NEW.seq, hash = NEW.hash "
        "WHERE id = 1 AND seq < NEW.seq; RETURN NULL; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER accounts_auditevent_head AFTER INSERT ON accounts_auditevent "
        "FOR EACH ROW EXECUTE FUNCTION accounts_auditevent_head()",
    ],
}
DROP = {
    "sqlite": ["DROP TRIGGER IF EXISTS accounts_auditevent_head"],
    "postgresql": [
        "DROP TRIGGER IF EXISTS accounts_auditevent_head ON accounts_auditevent",
        "DROP FUNCTION IF EXISTS accounts_auditevent_head()",
    ],
}
FLAGS = {1: "history.added", 2: "history.changed", 3: "history.deleted"}


def _history(apps):
    LogEntry = apps.get_model("admin", "LogEntry")
    User = apps.get_model("accounts", "User")
    emails = dict(User.objects.values_list("pk", "email"))
    for entry in LogEntry.objects.select_related("content_type").order_by("action_time", "pk"):
        model = f"{entry.content_type.app_label}.{entry.content_type.model}"
        target = None
        if model == "accounts.user" and entry.object_id.isdigit():
            target = emails.get(int(entry.object_id))
        yield entry.action_time, {
            "actor": emails.get(entry.user_id, f"user:{entry.user_id}"),
            "via": "admin",
            "action": FLAGS.get(entry.action_flag, "history.changed"),
            "target": target,
            "address": None,
            "detail": {"model": model, "object": entry.object_repr, "message": entry.change_message},
        }


def _sign_ins(apps):
    SignIn = apps.get_model("accounts", "SignIn")
    for sign_in in SignIn.objects.select_related("user").order_by("at", "pk"):
        yield sign_in.at, {
            "actor": sign_in.user.email,
            "via": "public",
            "action": "sign_in.succeeded" if sign_in.succeeded else "sign_in.failed",
            "target": sign_in.user.email,
            "address": sign_in.address,
            "detail": {"browser": sign_in.browser} if sign_in.browser else {},
        }


def begin_the_trail(apps, schema_editor):
    AuditHead = apps.get_model("accounts", "AuditHead")
    AuditEvent = apps.get_model("accounts", "AuditEvent")
    past = sorted([*_history(apps), *_sign_ins(apps)], key=lambda pair: pair[0])
    previous, events = GENESIS, []
    for seq, (at, values) in enumerate(past, start=1):
        previous = chained(previous, canonical(seq=seq, at=at, **values))
        events.append(
            AuditEvent(seq=seq, at=at, hash=previous, imported=True, **{**values, "target": values["target"] or ""})
        )
    AuditEvent.objects.bulk_create(events, batch_size=1000)
    AuditHead.objects.create(pk=1, seq=len(events), hash=previous)
    for statement in TRIGGER[schema_editor.connection.vendor]:
        schema_editor.execute(statement)


def end_the_trail(apps, schema_editor):
    for statement in DROP[schema_editor.connection.vendor]:
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0006_user_email_key"),
        ("admin", "0003_logentry_add_action_flag_choices"),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditHead',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('seq', models.BigIntegerField(default=0)),
                ('hash', models.CharField(default='0000000000000000000000000000000000000000000000000000000000000000', max_length=64)),
                ('start_seq', models.BigIntegerField(default=0)),
                ('start_hash', models.CharField(default='0000000000000000000000000000000000000000000000000000000000000000', max_length=64)),
                ('start_signature', models.CharField(blank=True, max_length=64)),
            ],
            options={
                'verbose_name': 'audit trail head',
            },
        ),
        migrations.CreateModel(
            name='AuditEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('seq', models.BigIntegerField(unique=True, verbose_name='number')),
                ('at', models.DateTimeField(verbose_name='when')),
                ('actor', models.CharField(max_length=254, verbose_name='actor')),
                ('via', models.CharField(choices=[('admin', 'admin'), ('command', 'command'), ('api', 'API'), ('public', 'public pages'), ('system', 'system')], max_length=10, verbose_name='via')),
                ('action', models.CharField(db_index=True, max_length=60, verbose_name='action')),
                ('target', models.CharField(blank=True, db_index=True, max_length=254, verbose_name='target')),
                ('address', models.GenericIPAddressField(blank=True, null=True, verbose_name='client address')),
                ('detail', models.JSONField(default=dict, verbose_name='detail')),
                ('hash', models.CharField(max_length=64, verbose_name='hash')),
                ('imported', models.BooleanField(default=False, verbose_name='imported')),
            ],
            options={
                'verbose_name': 'audit event',
                'verbose_name_plural': 'audit trail',
                'ordering': ['-seq'],
                'indexes': [models.Index(fields=['at'], name='accounts_auditevent_at')],
            },
        ),
        migrations.RunPython(begin_the_trail, end_the_trail),
    ]
