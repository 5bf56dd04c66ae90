"""The join form of a team link."""

from django import forms
from django.contrib.auth.forms import SetPasswordMixin
from django.contrib.auth.password_validation import (
    get_default_password_validators,
    password_validators_help_text_html,
)
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.validators import DifferentFromCurrentPasswordValidator


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
