"""Every user's email key (accounts.models.sign_in_key), stored and unique.

Existing users get theirs here. Two accounts whose addresses differ only in
spelling (case aside, which the database already refused: full-width letters,
say) stop the migration, named, for someone to decide which stays.
"""

import unicodedata
from collections import defaultdict

from django.db import migrations, models

import accounts.models

BATCH = 1000


def email_key(email: str) -> str:
    # accounts.models.sign_in_key as it is now: a migration must not change
    # with later code.
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", email).strip().lower())


def fill_email_keys(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    users = list(User.objects.only("pk", "email").order_by("pk"))
    by_key = defaultdict(list)
    for user in users:
        user.email_key = email_key(user.email)
        by_key[user.email_key].append(user.email)
    clashes = [emails for emails in by_key.values() if len(emails) > 1]
    if clashes:
        raise RuntimeError(
            "These accounts' email addresses are one address spelled differently, and sign-in "
            "cannot tell them apart: "
            + "; ".join(" = ".join(emails) for emails in clashes)
            + ". Change the email of all but one of each (or deactivate and rename them), "
            "then migrate again."
        )
    User.objects.bulk_update(users, ["email_key"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_sign_ins_and_sessions_generation"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="email_key",
            field=accounts.models.SignInKeyField(default="", verbose_name="email key"),
            preserve_default=False,
        ),
        migrations.RunPython(fill_email_keys, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                fields=("email_key",),
                name="accounts_user_email_key_unique",
                violation_error_message="A user with that email address already exists.",
            ),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(
                condition=models.Q(("email_key", ""), _negated=True),
                name="accounts_user_email_key_set",
            ),
        ),
    ]
