"""Forms of the accounts app: the admin's user and group forms, the names on one's own
page, and the codes and authenticators of two-factor sign-in."""

import math

from django import forms
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.utils.timesince import timeuntil
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import clock, two_factor
from accounts.models import User
from accounts.powers import permissions_beyond
from accounts.qr import qr_svg


class GrantsWithinPowersMixin:
    """Refuses to grant a permission the editor lacks (``accounts.powers``), field by field.

    The fields checked, where the form has them: a user's ``groups`` and
    ``user_permissions``, a group's ``permissions``. ``editor`` is set by the
    admin; without one nothing is checked.
    """

    editor: User | None = None

    def clean_grants(self) -> None:
        """Add an error naming the lacking permissions to each field that would grant them."""
        if self.editor is None:
            return
        for field in ("groups", "user_permissions", "permissions"):
            if field not in self.fields or field not in self.cleaned_data:
                continue
            chosen = self.cleaned_data[field]
            if field == "groups":
                chosen = Permission.objects.filter(group__in=chosen).select_related("content_type")
            lacking = permissions_beyond(actor=self.editor, permissions=chosen)
            if not lacking:
                continue
            if field == "groups":
                message = ngettext(
                    "These groups grant a permission you do not have: %(permissions)s. "
                    "Ask a superuser.",
                    "These groups grant permissions you do not have: %(permissions)s. "
                    "Ask a superuser.",
                    len(lacking),
                )
            else:
                message = ngettext(
                    "You cannot grant a permission you do not have: %(permissions)s. "
                    "Ask a superuser.",
                    "You cannot grant permissions you do not have: %(permissions)s. "
                    "Ask a superuser.",
                    len(lacking),
                )
            self.add_error(
                field,
                ValidationError(
                    message,
                    code="beyond_powers",
                    params={"permissions": ", ".join(str(each) for each in lacking)},
                ),
            )


class UserAddForm(GrantsWithinPowersMixin, forms.ModelForm):
    """Add a user without a password: they set one through a link."""

    class Meta:
        model = User
        fields = ("email", "first_name", "last_name", "groups", "is_staff")

    def clean_email(self):
        return User.objects.normalize_email(self.cleaned_data["email"])

    def clean(self):
        cleaned_data = super().clean()
        self.clean_grants()
        return cleaned_data

    def save(self, commit: bool = True):
        user = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
            self.save_m2m()
        return user


class UserChangeForm(GrantsWithinPowersMixin, DjangoUserChangeForm):
    """The admin's change form, which keeps an admin from locking themself out.

    ``editor``, the person editing, grants nothing they lack, and their own
    account may not lose what lets them administer it: another administrator
    must do that.
    """

    class Meta(DjangoUserChangeForm.Meta):
        model = User
        fields = "__all__"

    def clean(self):
        cleaned_data = super().clean()
        self.clean_grants()
        if self.editor is None or self.instance.pk != self.editor.pk:
            return cleaned_data
        guards = {
            "is_active": _(
                "You cannot deactivate your own account. Ask another administrator "
                "if it must be deactivated."
            ),
            "is_staff": _(
                "You cannot remove your own staff status: you would lose access to "
                "this admin. Ask another administrator if it must go."
            ),
            "is_superuser": _(
                "You cannot remove your own superuser status. Ask another superuser if it must go."
            ),
        }
        errors = {}
        for field, message in guards.items():
            if (
                field in self.fields
                and getattr(self.instance, field)
                and not cleaned_data.get(field)
            ):
                errors[field] = message
        if errors:
            raise ValidationError(errors)
        return cleaned_data


class GroupForm(GrantsWithinPowersMixin, forms.ModelForm):
    """The admin's group form: ``editor`` gives the group no permission they lack."""

    class Meta:
        model = Group
        fields = ("name", "permissions")

    def clean(self):
        cleaned_data = super().clean()
        self.clean_grants()
        return cleaned_data


class NamesForm(forms.ModelForm):
    """A person's own names; nothing else of the account."""

    class Meta:
        model = User
        fields = ("first_name", "last_name")
        widgets = {
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
        }

    def save(self, commit: bool = True):
        user = super().save(commit=False)
        if commit:
            # Only the names: a full save would write back whatever else this
            # copy of the user holds, such as a sessions generation another
            # request has just moved on.
            user.save(update_fields=list(self.Meta.fields))
        return user


# --- Two-factor sign-in (accounts.two_factor) ---------------------------------


class CodeField(forms.CharField):
    """The six digits an authenticator app shows; spaces (as some apps group them) ignored."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Code from your authenticator app"))
        super().__init__(
            max_length=20,
            strip=True,
            widget=forms.TextInput(
                attrs={
                    "autocomplete": "one-time-code",
                    "inputmode": "numeric",
                    "autocapitalize": "none",
                    "spellcheck": "false",
                    "size": 8,
                }
            ),
            error_messages={"required": _("Type the 6-digit code your authenticator app shows.")},
            **kwargs,
        )

    def to_python(self, value):
        return "".join((super().to_python(value) or "").split())

    def validate(self, value):
        super().validate(value)
        if not (value.isdigit() and len(value) == two_factor.CODE_DIGITS):
            raise ValidationError(
                _("A code is 6 digits. Type the code your authenticator app shows now."),
                code="malformed",
            )


def _wait(until) -> str:
    """How long until ``until``, as a person reads it: "4 seconds", "8 minutes"."""
    now = clock.now()
    seconds = max(1, math.ceil((until - now).total_seconds()))
    if seconds < 60:
        return ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds}
    return timeuntil(until, now, depth=1)


class SignInCodeForm(forms.Form):
    """The second step of signing in: a code from the user's confirmed device."""

    code = CodeField()

    error_messages = {
        "wrong": _("That code is not right. Type the code your authenticator app shows now."),
        # A code works once: who signs in within 30 seconds of using one sees it again.
        "used": _(
            "That code was already used, and works only once. Wait until your "
            "authenticator app shows the next code, then type that one."
        ),
        "throttled": _(
            "Too many wrong codes in a row: wait %(wait)s, then type the code your "
            "authenticator app shows. If those codes were not yours, someone knows "
            "your password: tell an administrator."
        ),
    }

    @classmethod
    def refusal(cls, verification: "two_factor.Verification") -> ValidationError:
        """The error for a code ``device_verify`` did not accept."""
        if verification.throttled_until is not None:
            return ValidationError(
                cls.error_messages["throttled"],
                code="throttled",
                params={"wait": _wait(verification.throttled_until)},
            )
        if verification.already_used:
            return ValidationError(cls.error_messages["used"], code="used")
        return ValidationError(cls.error_messages["wrong"], code="wrong")

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.device = None
        self.fields["code"].widget.attrs["autofocus"] = True

    def clean_code(self):
        code = self.cleaned_data["code"]
        verification = two_factor.device_verify(user=self.user, code=code)
        if verification.device is None:
            raise self.refusal(verification)
        self.device = verification.device
        return code


class TwoFactorEnrolmentMixin:
    """Adds a new authenticator to a form: a key (signed, in a hidden field) and its first code.

    ``add_enrolment_fields`` adds them; ``clean_enrolment`` (from ``clean``)
    checks the code against the key, and ``enrolment`` is then what
    ``two_factor.device_enrol`` writes. The key is drawn when the form is first
    shown and comes back with every submission, so a wrong code asks again for
    the same key, already in the person's app.
    """

    KEY_FIELD = "two_factor_key"
    enrolment = None
    enrolment_error_messages = {
        "wrong_code": _(
            "That code does not match this key. Check that your authenticator app "
            "added the key shown here, then type the code it shows now."
        ),
        "key_expired": _(
            "This page was open too long, so it shows a new key. Remove the entry "
            "you added to your authenticator app, add this one, and type its code."
        ),
    }

    def add_enrolment_fields(self, *, email: str, bound_to: str, code_label=None) -> None:
        self.enrolment_email = email
        self.enrolment_bound_to = bound_to
        self.enrolment = None
        self._key_expired = False
        key = None
        if self.is_bound:
            key = two_factor.key_unsign(self.data.get(self.KEY_FIELD, ""), bound_to=bound_to)
            self._key_expired = key is None
        self.enrolment_key = key or two_factor.key_make()
        self.fields[self.KEY_FIELD] = forms.CharField(widget=forms.HiddenInput, required=False)
        # The field shows the key given now, also on a form shown again.
        signed = two_factor.key_sign(self.enrolment_key, bound_to=bound_to)
        self.initial[self.KEY_FIELD] = signed
        if self.is_bound:
            self.data = self.data.copy()
            self.data[self.KEY_FIELD] = signed
        self.fields["code"] = CodeField(
            label=code_label or _("Code from your authenticator app"),
            help_text=_("After adding the key, type the 6-digit code your app shows for it."),
        )

    def visible_fields(self):
        # The code is rendered with the key it proves (accounts/includes/authenticator_enrol.html).
        return [field for field in super().visible_fields() if field.name != "code"]

    @property
    def enrolment_uri(self) -> str:
        return two_factor.otpauth_uri(key=self.enrolment_key, email=self.enrolment_email)

    @property
    def enrolment_qr(self):
        return qr_svg(self.enrolment_uri)

    @property
    def enrolment_key_text(self) -> str:
        return two_factor.key_for_people(self.enrolment_key)

    def clean_enrolment(self) -> None:
        if self._key_expired:
            self.add_error("code", self.enrolment_error_messages["key_expired"])
            return
        code = self.cleaned_data.get("code")
        if not code:
            return
        step = two_factor.code_step(key=self.enrolment_key, code=code)
        if step is None:
            self.add_error("code", self.enrolment_error_messages["wrong_code"])
            return
        self.enrolment = two_factor.Enrolment(key=self.enrolment_key, step=step)


class EnrolForm(TwoFactorEnrolmentMixin, forms.Form):
    """A first authenticator, at sign-in, for who must use one and has none."""

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.add_enrolment_fields(email=user.email, bound_to=f"enrol:{user.pk}")

    def clean(self):
        cleaned_data = super().clean()
        self.clean_enrolment()
        return cleaned_data


class ReplaceAuthenticatorForm(TwoFactorEnrolmentMixin, forms.Form):
    """A new authenticator in place of the old one, which must give a code first."""

    current_code = CodeField(label=_("Code from your current authenticator app"))

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.device = None
        self.add_enrolment_fields(
            email=user.email,
            bound_to=f"replace:{user.pk}",
            code_label=_("Code from the new authenticator"),
        )

    def clean(self):
        cleaned_data = super().clean()
        self.clean_enrolment()
        current = cleaned_data.get("current_code")
        if current and self.enrolment is not None:
            # Checked last, only with a good new code: a wrong new code spends
            # no current code, which works once.
            verification = two_factor.device_verify(user=self.user, code=current)
            if verification.device is None:
                self.add_error("current_code", SignInCodeForm.refusal(verification))
            self.device = verification.device
        return cleaned_data
