"""Each access request's email key: "has an account" and approval compare as sign-in does."""

import unicodedata

from django.db import migrations

import accounts.models

BATCH = 1000


def email_key(email: str) -> str:
    # accounts.models.sign_in_key as it is now: a migration must not change
    # with later code.
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", email).strip().lower())


def fill_email_keys(apps, schema_editor):
    AccessRequest = apps.get_model("invites", "AccessRequest")
    requests = list(AccessRequest.objects.only("pk", "email").order_by("pk"))
    for each in requests:
        each.email_key = email_key(each.email)
    AccessRequest.objects.bulk_update(requests, ["email_key"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("invites", "0007_team_links"),
        ("accounts", "0006_user_email_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="accessrequest",
            name="email_key",
            field=accounts.models.SignInKeyField(
                db_index=True, default="", verbose_name="email key"
            ),
        ),
        migrations.RunPython(fill_email_keys, migrations.RunPython.noop),
    ]
