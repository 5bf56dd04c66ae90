# Team links: a link many people join through, up to a number of uses, and the
# access requests their joins file when the link needs approval.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import accounts.clock


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("invites", "0006_used_at_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="accessrequest",
            name="groups",
            field=models.ManyToManyField(
                blank=True, related_name="+", to="auth.group", verbose_name="groups"
            ),
        ),
        migrations.AddField(
            model_name="accessrequest",
            name="password",
            field=models.CharField(
                blank=True, editable=False, max_length=128, verbose_name="password"
            ),
        ),
        migrations.CreateModel(
            name="TeamLink",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        help_text="What it is for, e.g. “Data workshop, March”.",
                        max_length=200,
                        verbose_name="name",
                    ),
                ),
                (
                    "digest",
                    models.CharField(
                        editable=False, max_length=64, unique=True, verbose_name="secret's SHA-256"
                    ),
                ),
                ("uses_allowed", models.PositiveIntegerField(verbose_name="uses allowed")),
                ("uses_taken", models.PositiveIntegerField(default=0, verbose_name="uses taken")),
                (
                    "approval",
                    models.BooleanField(
                        default=False,
                        help_text=(
                            "Each join becomes an access request; the account is made "
                            "when an administrator approves it."
                        ),
                        verbose_name="needs approval",
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(default=accounts.clock.now, verbose_name="created"),
                ),
                (
                    "created_via",
                    models.CharField(
                        choices=[("admin", "admin"), ("command", "command")],
                        max_length=10,
                        verbose_name="created via",
                    ),
                ),
                ("expires_at", models.DateTimeField(verbose_name="expires")),
                ("revoked_at", models.DateTimeField(blank=True, null=True, verbose_name="revoked")),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="created by",
                    ),
                ),
                (
                    "groups",
                    models.ManyToManyField(
                        blank=True, related_name="+", to="auth.group", verbose_name="groups"
                    ),
                ),
                (
                    "revoked_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="revoked by",
                    ),
                ),
            ],
            options={
                "verbose_name": "team link",
                "verbose_name_plural": "team links",
                "ordering": ["-created_at", "-pk"],
                "permissions": [("issue_team_link", "Can issue team links")],
            },
        ),
        migrations.AddField(
            model_name="accessrequest",
            name="team_link",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="access_requests",
                to="invites.teamlink",
                verbose_name="team link",
            ),
        ),
        migrations.CreateModel(
            name="TeamLinkJoin",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "joined_at",
                    models.DateTimeField(default=accounts.clock.now, verbose_name="joined"),
                ),
                (
                    "client_address",
                    models.GenericIPAddressField(
                        blank=True, null=True, verbose_name="client address"
                    ),
                ),
                (
                    "access_request",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="invites.accessrequest",
                        verbose_name="access request",
                    ),
                ),
                (
                    "team_link",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="joins",
                        to="invites.teamlink",
                        verbose_name="team link",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
            ],
            options={
                "verbose_name": "team link join",
                "verbose_name_plural": "team link joins",
                "ordering": ["joined_at", "pk"],
            },
        ),
        migrations.AddConstraint(
            model_name="teamlink",
            constraint=models.CheckConstraint(
                condition=models.Q(("uses_allowed__gte", 1)),
                name="invites_teamlink_uses_allowed_positive",
            ),
        ),
        migrations.AddConstraint(
            model_name="teamlink",
            constraint=models.CheckConstraint(
                condition=models.Q(("uses_taken__lte", models.F("uses_allowed"))),
                name="invites_teamlink_uses_within_allowed",
            ),
        ),
    ]
