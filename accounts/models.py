"""The user: signs in by email, holds no username, gets roles from groups."""

import unicodedata

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from accounts import clock
from accounts.signals import credentials_changed, users_deactivated


def sign_in_key(typed: str) -> str:
    """The account a sign-in names, as sign-in looks it up: one key for every spelling.

    Django's sign-in form strips what was typed and normalises it to NFKC
    (``UsernameField``), and the lookup ignores case, so "Carol@exa\uff4dple.com "
    (a full-width m) finds carol@example.com. The rate limits count under this
    key too: a look-alike spelling cannot open a count of its own. Given the
    raw POSTed value or the form's cleaned one, it returns the same key.
    """
    return unicodedata.normalize("NFKC", typed).strip().lower()


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
        """Match an email whatever its case, through the index on LOWER(email)."""
        return self.alias(email_lower=Lower("email")).filter(email_lower=email.lower())

    def by_emails(self, lowercased):
        """Users whose email in lower case is in ``lowercased``: a list, or a subquery.

        Through the index on LOWER(email), as ``by_email``.
        """
        return self.alias(email_lower=Lower("email")).filter(email_lower__in=lowercased)


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
        return self.by_email(sign_in_key(username)).get()


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("email address"), max_length=254, unique=True)
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
