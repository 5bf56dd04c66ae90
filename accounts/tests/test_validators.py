"""The password rules of accounts.validators, as the configured list applies them."""

import pytest
from django.contrib.auth.password_validation import password_validators_help_texts
from django.contrib.auth.password_validation import validate_password as configured_rules
from django.core.exceptions import ValidationError

from accounts.tests.factories import InvitedUserFactory, UserFactory
from accounts.validators import (
    DEFAULT_MAX_LENGTH,
    DifferentFromCurrentPasswordValidator,
    MaximumLengthValidator,
)

pytestmark = pytest.mark.django_db

# Long enough, uncommon and unlike any email: only the rules under test speak.
PASSPHRASE_PIECE = "Quiet-otter-9-"


def passphrase(length: int) -> str:
    return (PASSPHRASE_PIECE * (length // len(PASSPHRASE_PIECE) + 1))[:length]


def refusals(password, user=None):
    """The (code, message) of every configured rule that refuses ``password``."""
    try:
        configured_rules(password, user)
    except ValidationError as refused:
        return [(error.code, " ".join(error.messages)) for error in refused.error_list]
    return []


# --- MaximumLengthValidator -------------------------------------------------------------


def test_a_password_of_exactly_256_characters_is_accepted():
    assert DEFAULT_MAX_LENGTH == 256
    assert refusals(passphrase(256)) == []


def test_a_password_of_257_characters_is_refused_as_too_long():
    assert refusals(passphrase(257)) == [
        (
            "password_too_long",
            "This password is too long. It must contain at most 256 characters.",
        )
    ]


def test_the_length_limit_names_its_figure_in_the_error():
    with pytest.raises(ValidationError) as refused:
        MaximumLengthValidator(max_length=20).validate("x" * 21)
    error = refused.value.error_list[0]
    assert error.code == "password_too_long"
    assert error.params == {"max_length": 20}
    assert error.messages == ["This password is too long. It must contain at most 20 characters."]


def test_a_limit_of_one_character_is_worded_in_the_singular():
    validator = MaximumLengthValidator(max_length=1)
    validator.validate("x")
    with pytest.raises(ValidationError) as refused:
        validator.validate("xy")
    assert refused.value.messages == [
        "This password is too long. It must contain at most 1 character."
    ]
    assert validator.get_help_text() == "Your password must contain at most 1 character."


def test_the_rules_shown_on_the_form_name_the_length_limit():
    assert "Your password must contain at most 256 characters." in (
        password_validators_help_texts()
    )


# --- DifferentFromCurrentPasswordValidator ------------------------------------------------


def test_a_reset_to_the_current_password_is_refused_as_unchanged():
    user = UserFactory()
    user.set_password(passphrase(40))
    assert refusals(passphrase(40), user) == [
        (
            "password_unchanged",
            "The new password must be different from your current password.",
        )
    ]


def test_a_reset_to_another_password_is_accepted():
    user = UserFactory()
    user.set_password(passphrase(40))
    assert refusals(passphrase(41), user) == []


def test_a_current_password_of_exactly_256_characters_is_still_compared():
    user = UserFactory()
    user.set_password(passphrase(256))
    assert [code for code, _ in refusals(passphrase(256), user)] == ["password_unchanged"]


def test_a_password_past_the_length_limit_is_refused_without_hashing_it(monkeypatch):
    user = UserFactory()
    user.set_password(passphrase(257))  # set before the limit existed
    compared = []
    monkeypatch.setattr(
        "accounts.validators.check_password", lambda *args: compared.append(args) or True
    )
    assert [code for code, _ in refusals(passphrase(257), user)] == ["password_too_long"]
    assert compared == []


def test_a_first_password_has_nothing_to_differ_from():
    DifferentFromCurrentPasswordValidator().validate(passphrase(40), None)
    DifferentFromCurrentPasswordValidator().validate(passphrase(40), InvitedUserFactory())
    assert refusals(passphrase(40), InvitedUserFactory()) == []


def test_comparing_never_rewrites_the_stored_hash(settings):
    user = UserFactory()
    stored = user.password
    # An MD5 hash is outdated now: user.check_password would upgrade and save it.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    with pytest.raises(ValidationError):
        DifferentFromCurrentPasswordValidator().validate("a-Long-enough-passphrase-41", user)
    user.refresh_from_db()
    assert user.password == stored


def test_the_rules_shown_on_the_form_say_a_new_password_must_differ():
    assert "If you are replacing a password, the new one must be different." in (
        password_validators_help_texts()
    )
