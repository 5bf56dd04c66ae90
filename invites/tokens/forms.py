"""The forms that issue an API token: one's own (the account page), and an administrator's.

Both choose a lifetime among a few, each within ``API_TOKEN_MAX_AGE``; the
services refuse a longer one too, so no path can exceed it.
"""

from datetime import timedelta

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User, sign_in_key
from invites.keys.durations import duration_text
from invites.tokens.selectors import owners_for_issuer
from invites.tokens.services import DESCRIPTION_MAX_LENGTH, token_max_age_limit

LONGEST = "longest"
LIFETIMES = {
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
}


def lifetime_choices() -> list[tuple[str, str]]:
    """The shorter presets within the ceiling, then the ceiling itself."""
    limit = token_max_age_limit()
    return [
        *(
            (key, duration_text(duration))
            for key, duration in LIFETIMES.items()
            if duration < limit
        ),
        (LONGEST, _("%(duration)s (the longest)") % {"duration": duration_text(limit)}),
    ]


class ApiTokenForm(forms.Form):
    """What a token is for, and how long it lasts; ``max_age`` once valid (None: the longest)."""

    description = forms.CharField(
        label=gettext_lazy("Description"),
        max_length=DESCRIPTION_MAX_LENGTH,
        help_text=gettext_lazy("What it is for, e.g. “HR system provisioning”."),
    )
    expires_in = forms.ChoiceField(label=gettext_lazy("Expires in"), initial=LONGEST)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expires_in"].choices = lifetime_choices()

    @property
    def max_age(self) -> timedelta | None:
        return LIFETIMES.get(self.cleaned_data["expires_in"])


class OwnApiTokenForm(ApiTokenForm):
    """One's own token, from the account page: one's password first.

    A token outlives the session that makes it (a year, at the longest), and
    signing out everywhere or changing the password leaves it working: a
    session someone else took over must not be able to mint one.
    """

    password = forms.CharField(
        label=gettext_lazy("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=gettext_lazy("Asked again: a token outlasts this session."),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."), code="password_incorrect")
        return password


class ApiTokenIssueForm(ApiTokenForm):
    """An administrator's: for whom, too, among the active users within their powers."""

    owner = forms.CharField(
        label=gettext_lazy("Owner's email"),
        max_length=254,
        help_text=gettext_lazy(
            "The token acts as this person, with their permissions: never more than yours."
        ),
    )

    field_order = ["owner", "description", "expires_in"]

    def __init__(self, *args, issuer: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.issuer = issuer

    def clean_owner(self) -> User:
        email = self.cleaned_data["owner"]
        owner = owners_for_issuer(issuer=self.issuer).filter(email_key=sign_in_key(email)).first()
        if owner is not None:
            if owner.pk == self.issuer.pk:
                # One's own token is issued where one's password is asked again.
                raise forms.ValidationError(
                    _(
                        "Issue your own tokens on your account page: "
                        "it asks for your password again."
                    ),
                    code="self",
                )
            return owner
        found = User.objects.by_email(email).first()
        if found is None:
            raise forms.ValidationError(_("No user has this email address."), code="unknown")
        if not found.is_active:
            raise forms.ValidationError(
                _("%(email)s is deactivated: a token of theirs could do nothing.")
                % {"email": found.email},
                code="inactive",
            )
        raise forms.ValidationError(
            _("%(email)s has powers beyond yours: ask a superuser.") % {"email": found.email},
            code="beyond",
        )
