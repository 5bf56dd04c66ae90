"""The user: signs in by email, holds no username, gets roles from groups."""

import unicodedata

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from accounts import clock
from accounts.signals import credentials_changed, users_deactivated


def sign_in_key(typed: str) -> str:
    """The account an email names: one key for every spelling, the one way to compare addresses.

    Django's sign-in form strips what was typed and normalises it to NFKC
    (``UsernameField``), and the lookup ignores case, so "Carol@exa\uff4dple.com "
    (a full-width m) finds carol@example.com. Each user stores theirs
    (``User.email_key``, unique) and every lookup by email goes through it.
    The rate limits count under this key too: a look-alike spelling cannot
    open a count of its own. Given the raw POSTed value, the form's cleaned
    one or a key, it returns the same key.
    """
    # NFKC again after lower(): lower-casing a few Greek letters with accents
    # gives sequences NFKC composes, and the key of a key must be itself.
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", typed).strip().lower())


class SignInKeyField(models.TextField):
    """The ``sign_in_key`` of the model's ``email``, worked out whenever the row is written.

    As ``auto_now`` does for a time: ``Model.save()`` and
    ``QuerySet.bulk_create()`` ask each field for its value (``pre_save``), so
    no write through the ORM can leave the key behind the email. What bypasses
    them (``QuerySet.update(email=…)``, raw SQL) must set it too.
    """

    def __init__(self, *args, **kwargs):
        kwargs["editable"] = False
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        del kwargs["editable"]
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        key = sign_in_key(model_instance.email)
        setattr(model_instance, self.attname, key)
        return key


class UserQuerySet(models.QuerySet):
    def invited(self):
        """Active users who never set a password."""
        return self.filter(is_active=True, password__startswith=UNUSABLE_PASSWORD_PREFIX)

    def with_password(self):
        """Active users who have set a password."""
        return self.filter(is_active=True).exclude(password__startswith=UNUSABLE_PASSWORD_PREFIX)

    def deactivated(self):
        return self.filter(is_active=False)

    def by_email(self, email: str):
        """The user ``email`` names, however it is spelled (``sign_in_key``); one index probe."""
        return self.filter(email_key=sign_in_key(email))

    def by_emails(self, emails):
        """The users any of ``emails`` names, however spelled, through the index of ``by_email``.

        ``emails``: addresses, or a subquery (an expression) that yields keys
        as ``sign_in_key`` makes them, which SQL cannot.
        """
        if not hasattr(emails, "resolve_expression"):
            emails = [sign_in_key(email) for email in emails]
        return self.filter(email_key__in=emails)


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        # Without a password the user gets an unusable one (never a
        # placeholder that could be guessed) until they redeem a link.
        user.set_password(password) if password else user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if extra_fields.get("is_staff") is not True:
            raise ValueError("A superuser must have is_staff=True.")
        if extra_fields.get("is_superuser") is not True:
            raise ValueError("A superuser must have is_superuser=True.")
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username: str):
        # Sign-in ignores the case and the look-alike spellings of the address.
        return self.by_email(username).get()


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("email address"), max_length=254, unique=True)
    # The address as every lookup compares it (sign_in_key), unique: the
    # database refuses two accounts whose addresses differ only in spelling.
    # NFKC has no portable SQL, so the key is stored rather than an index on
    # an expression.
    email_key = SignInKeyField(_("email key"))
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Designates whether the user can sign in to this admin site."),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_(
            "Designates whether this user may sign in. Deactivate accounts "
            "instead of deleting them."
        ),
    )
    date_joined = models.DateTimeField(_("date joined"), default=clock.now)
    # The identifier an identity provider knows the account by (SCIM's
    # externalId), set by it and never read for signing in.
    external_id = models.CharField(
        _("external ID"),
        max_length=255,
        blank=True,
        db_index=True,
        help_text=_("The identifier an identity provider gave this account over SCIM."),
    )
    # Part of every session's proof of sign-in (get_session_auth_hash): one
    # more ends every session of the account made before, on any session
    # engine, without touching the password ("Sign out everywhere else").
    sessions_generation = models.PositiveIntegerField(_("sessions generation"), default=0)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        indexes = [
            # The admin's staff and superuser filters read only these rows.
            models.Index(fields=["email"], condition=Q(is_staff=True), name="accounts_user_staff"),
            models.Index(
                fields=["email"], condition=Q(is_superuser=True), name="accounts_user_superuser"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_user_email_ci_unique",
                violation_error_message=_("A user with that email address already exists."),
            ),
            models.UniqueConstraint(
                fields=["email_key"],
                name="accounts_user_email_key_unique",
                violation_error_message=_("A user with that email address already exists."),
            ),
            # A row written past the ORM without its key would be a user whom
            # no lookup, sign-in included, finds: refused.
            models.CheckConstraint(condition=~Q(email_key=""), name="accounts_user_email_key_set"),
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._saved_email = self.email
        self._saved_is_active = self.is_active
        self._saved_password = self.password

    def __str__(self) -> str:
        return self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email)

    def validate_constraints(self, exclude=None):
        """Django's checks, with the key's uniqueness told as the email's.

        ``email_key`` is on no form, so a form would skip its constraint and
        the save would fail instead: the email is checked through
        ``by_email``, the lookup the key serves.
        """
        exclude = set(exclude or ())
        if "email" not in exclude and self.email:
            others = type(self)._default_manager.by_email(self.email)
            if not self._state.adding:
                others = others.exclude(pk=self.pk)
            if others.exists():
                raise ValidationError(
                    {
                        "email": ValidationError(
                            _("A user with that email address already exists."), code="unique"
                        )
                    }
                )
        super().validate_constraints(exclude=exclude | {"email_key"})

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name

    def _get_session_auth_hash(self, secret=None) -> str:
        """Django's proof of sign-in, which the sessions generation also changes.

        At generation 0 it is Django's own HMAC of the password, so sessions
        made before the generation existed stay signed in.
        """
        if not self.sessions_generation:
            return super()._get_session_auth_hash(secret=secret)
        return salted_hmac(
            "accounts.User.get_session_auth_hash",
            f"{self.password}:{self.sessions_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    @property
    def status(self) -> str:
        """Invited (never set a password), active or deactivated."""
        if not self.is_active:
            return "deactivated"
        return "active" if self.has_usable_password() else "invited"

    def save(self, *args, **kwargs):
        # What other apps must hear of (open set-password links die when what
        # they were issued against changes): the password, the email they were
        # handed to, or the account being active. Every path that changes
        # these (the admin's forms, changepassword, the user's own password
        # change, a redemption) ends in this save(), so this is the one place
        # that sees them all, and it announces them (accounts.signals).
        # set_password() marks a new password in _password; an admin who
        # disables password sign-in leaves an unusable hash instead. A hash
        # upgrade at sign-in changes neither, and announces nothing.
        password_changed = self._password is not None or (
            self.password != self._saved_password and not self.has_usable_password()
        )
        email_changed = self.email != self._saved_email
        deactivated = self._saved_is_active and not self.is_active
        is_new = self._state.adding
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "email" in update_fields:
            # The key goes with the email (SignInKeyField).
            kwargs["update_fields"] = {*update_fields, "email_key"}
        super().save(*args, **kwargs)
        self._saved_email = self.email
        self._saved_is_active = self.is_active
        self._saved_password = self.password
        if is_new:
            return
        if deactivated:
            users_deactivated.send(sender=self.__class__, user_ids=[self.pk])
            return
        changed = {"email"} if email_changed else set()
        if password_changed:
            changed.add("password")
        if changed:
            credentials_changed.send(sender=self.__class__, user=self, changed=changed)


class SignInQuerySet(models.QuerySet):
    def succeeded(self):
        return self.filter(succeeded=True)

    def failed(self):
        return self.filter(succeeded=False)


class SignIn(models.Model):
    """One sign-in to an account, or one failed attempt on it.

    Without email this is how a person notices someone else trying their
    account. Kept a while (``accounts.services.sign_ins_purge``), then forgotten.
    """

    BROWSER_MAX_LENGTH = 100

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="sign_ins", verbose_name=_("user")
    )
    at = models.DateTimeField(_("when"), default=clock.now)
    succeeded = models.BooleanField(_("succeeded"))
    address = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    browser = models.CharField(_("browser"), max_length=BROWSER_MAX_LENGTH, blank=True)

    objects = SignInQuerySet.as_manager()

    class Meta:
        verbose_name = _("sign-in")
        verbose_name_plural = _("sign-ins")
        indexes = [
            # The account page reads an account's newest sign-ins and its
            # failures since one of them: both walk this index, however many
            # failures an attacker left.
            models.Index(fields=["user", "succeeded", "-at"], name="accounts_signin_user_at"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.at:%Y-%m-%d %H:%M} {'ok' if self.succeeded else 'failed'}"


# The audit trail lives beside the accounts it speaks of (accounts.audit).
from accounts.audit import AuditEvent, AuditHead  # noqa: E402, F401
