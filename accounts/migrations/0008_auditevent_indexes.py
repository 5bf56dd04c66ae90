"""An index on the audit events' actor, beside the one on target: the admin's search by
email finds what a person did without reading every event."""

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
    ]
