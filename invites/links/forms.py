"""The set-password form of a link."""

from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.password_validation import (
    get_default_password_validators,
    password_validators_help_text_html,
)
from django.utils.translation import gettext_lazy as _

from accounts.forms import TwoFactorEnrolmentMixin
from accounts.models import User
from accounts.two_factor import confirmed_device, two_factor_required
from accounts.validators import DifferentFromCurrentPasswordValidator
from invites.links.models import Link
from invites.links.services import link_redeem


class LinkSetPasswordForm(TwoFactorEnrolmentMixin, SetPasswordForm):
    """Django's SetPasswordForm for a link, with the rules' messages on the first field.

    Django reports the validators under the confirmation field, below the
    rules listed under the first one; a person reads the first field's area
    for what is wrong with the password they chose.

    For a person who must use two-factor (``TWO_FACTOR``) it also sets up
    their authenticator: a key, bound to this link, and its first code.
    """

    device = None

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

    def blank_variant(self) -> tuple | None:
        """What this form's empty drawing depends on (``accounts.blank_forms``).

        The rules listed, which depend on whether there is a password to
        replace. None with two-factor: the form then holds this person's own
        key, which must never be drawn for anyone else (its initial value
        would refuse it too; this does not rely on that).
        """
        return None if self.two_factor else (self.user.has_usable_password(),)

    def clean(self):
        self.validate_passwords("new_password1", "new_password2")
        self.validate_password_for_user(self.user, "new_password1")
        if self.two_factor:
            self.clean_enrolment()
        return super(SetPasswordForm, self).clean()

    def save(self, commit: bool = True) -> User:
        """Set the password by redeeming the link, in one transaction (``link_redeem``).

        Raises ``KeyInvalid`` when the link closed since it was read. After
        it, ``device`` is the authenticator the form set up, if any.
        """
        user = link_redeem(
            link=self.link, password=self.cleaned_data["new_password1"], enrolment=self.enrolment
        )
        self.device = confirmed_device(user) if self.enrolment is not None else None
        return user
