"""Password validators beyond Django's own (see AUTH_PASSWORD_VALIDATORS)."""

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

DEFAULT_MAX_LENGTH = 256


class MaximumLengthValidator:
    """Refuse passwords longer than ``max_length`` characters.

    A long passphrase is welcome; a megabyte is an attack on the hasher and on
    the other validators, so it is refused before anything costly happens.
    """

    def __init__(self, max_length: int = DEFAULT_MAX_LENGTH):
        self.max_length = max_length

    def validate(self, password: str, user=None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                ngettext(
                    "This password is too long. It must contain at most %(max_length)d character.",
                    "This password is too long. It must contain at most %(max_length)d characters.",
                    self.max_length,
                ),
                code="password_too_long",
                params={"max_length": self.max_length},
            )

    def get_help_text(self) -> str:
        return ngettext(
            "Your password must contain at most %(max_length)d character.",
            "Your password must contain at most %(max_length)d characters.",
            self.max_length,
        ) % {"max_length": self.max_length}


class DifferentFromCurrentPasswordValidator:
    """A new password must differ from the one it replaces."""

    def validate(self, password: str, user=None) -> None:
        if user is None or not user.has_usable_password():
            return
        if len(password) > DEFAULT_MAX_LENGTH:
            return  # already refused; do not spend a hash on it
        # hashers.check_password, not user.check_password: this must never
        # write (the latter upgrades and saves the stored hash).
        if check_password(password, user.password):
            raise ValidationError(
                _("The new password must be different from your current password."),
                code="password_unchanged",
            )

    def get_help_text(self) -> str:
        return _("If you are replacing a password, the new one must be different.")
