"""Two indexes on the audit events: actor, beside the one on target, so that the admin's
search by email finds what a person did without reading every event; and (action, at), so
that the admin's front page counts an action's events of the last hour or week as one range.

Indexes only: a change to a field would make SQLite copy the table, and drop the trigger
that moves the head along (0007)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0007_audit_trail'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='auditevent',
            index=models.Index(fields=['actor'], name='accounts_auditevent_actor'),
        ),
        migrations.AddIndex(
            model_name='auditevent',
            index=models.Index(fields=['action', 'at'], name='accounts_auditevent_action_at'),
        ),
    ]
