"""The forms of the public pages: setting a password, asking for an account."""

from django import forms
from django.contrib.auth.forms import SetPasswordForm, SetPasswordMixin
from django.contrib.auth.password_validation import (
    get_default_password_validators,
    password_validators_help_text_html,
)
from django.utils.translation import gettext_lazy as _

from accounts.forms import TwoFactorEnrolmentMixin
from accounts.models import User
from accounts.two_factor import two_factor_required
from accounts.validators import DifferentFromCurrentPasswordValidator
from invites.models import Link
from invites.services import link_redeem


class LinkSetPasswordForm(TwoFactorEnrolmentMixin, SetPasswordForm):
    """Django's SetPasswordForm for a link, with the rules' messages on the first field.

    Django reports the validators under the confirmation field, below the
    rules listed under the first one; a person reads the first field's area
    for what is wrong with the password they chose.

    For a person who must use two-factor (``TWO_FACTOR``) it also sets up
    their authenticator: a key, bound to this link, and its first code.
    """

    def __init__(self, user: User, *args, link: Link, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.link = link
        self.two_factor = two_factor_required(user)
        if self.two_factor:
            self.add_enrolment_fields(email=user.email, bound_to=f"link:{link.pk}")
        # Django's help text is lazy: every read renders the validators' rules
        # anew, and a page reads it four times. Render it once per form, and
        # only the rules that apply: someone setting a first password has none
        # to replace.
        field = self.fields["new_password1"]
        field.help_text = password_validators_help_text_html(
            [
                validator
                for validator in get_default_password_validators()
                if user.has_usable_password()
                or not isinstance(validator, DifferentFromCurrentPasswordValidator)
            ]
        )

    error_messages = {
        **SetPasswordForm.error_messages,
        # Neither field is kept after an error: say that both need typing again.
        "password_mismatch": _(
            "The confirmation did not match the new password. "
            "Type your new password again in both fields."
        ),
    }

    def clean(self):
        self.validate_passwords("new_password1", "new_password2")
        self.validate_password_for_user(self.user, "new_password1")
        if self.two_factor:
            self.clean_enrolment()
        return super(SetPasswordForm, self).clean()

    def save(self, commit: bool = True) -> User:
        """Set the password by redeeming the link, in one transaction (``link_redeem``).

        Raises ``LinkInvalid`` when the link closed since it was read.
        """
        return link_redeem(
            link=self.link, password=self.cleaned_data["new_password1"], enrolment=self.enrolment
        )


class AccessRequestForm(forms.Form):
    """Asking for an account: email, names and a note, with a honeypot.

    ``website`` is a honeypot: the page hides it from people, and a form
    that fills it in gets the same reply and stores nothing.
    """

    email = forms.EmailField(label=_("Email address"), max_length=254)
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    note = forms.CharField(
        label=_("Note"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Who you are, and who can vouch for you."),
    )
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["first_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["last_name"].widget.attrs["autocomplete"] = "family-name"

    def filled_by_a_bot(self) -> bool:
        return bool(self.data.get("website"))

    def visible_fields(self):
        # The honeypot is rendered by the template, hidden, outside the loop.
        return [field for field in super().visible_fields() if field.name != "website"]


class TeamJoinForm(SetPasswordMixin, forms.Form):
    """Joining through a team link: email, names, and a password typed twice.

    The password rules are the site's (``AUTH_PASSWORD_VALIDATORS``), checked
    against the email and names given here; the rules' messages go on the
    first password field, as on the set-password form.
    """

    email = forms.EmailField(label=_("Email address"), max_length=254)
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    password1, password2 = SetPasswordMixin.create_password_fields(
        label1=_("Password"), label2=_("Password (again)")
    )

    error_messages = {
        "password_mismatch": _(
            "The confirmation did not match the password. Type your password again in both fields."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["first_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["last_name"].widget.attrs["autocomplete"] = "family-name"
        # Rendered once per form (Django's is lazy, read several times a page),
        # without the rule about replacing a password: this sets a first one.
        self.fields["password1"].help_text = password_validators_help_text_html(
            [
                validator
                for validator in get_default_password_validators()
                if not isinstance(validator, DifferentFromCurrentPasswordValidator)
            ]
        )

    def clean(self):
        self.validate_passwords()
        data = self.cleaned_data
        candidate = User(
            email=data.get("email", ""),
            first_name=data.get("first_name", ""),
            last_name=data.get("last_name", ""),
        )
        candidate.set_unusable_password()
        self.validate_password_for_user(candidate, "password1")
        return super().clean()
