import pytest
from django import forms
from django.contrib.auth.forms import UsernameField
from django.db import IntegrityError, transaction
from hypothesis import given
from hypothesis import strategies as st

from accounts.forms import UserAddForm
from accounts.models import User, sign_in_key
from accounts.services import users_deactivate
from accounts.signals import credentials_changed, users_deactivated
from accounts.tests.factories import InvitedUserFactory, SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db


class NamesAndEmailForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("email",)


def test_create_user_without_password_gets_an_unusable_one():
    user = User.objects.create_user("new@example.com")
    assert not user.has_usable_password()
    assert user.password.startswith("!")
    assert user.status == "invited"


def test_create_user_with_password_can_check_it():
    user = User.objects.create_user("pw@example.com", "a-Long-enough-passphrase")
    assert user.check_password("a-Long-enough-passphrase")
    assert not user.is_staff
    assert not user.is_superuser


def test_create_user_requires_an_email():
    with pytest.raises(ValueError, match="email address is required"):
        User.objects.create_user("")


def test_create_superuser_sets_staff_and_superuser():
    user = User.objects.create_superuser("boss@example.com")
    assert user.is_staff
    assert user.is_superuser


def test_create_superuser_refuses_is_staff_false():
    with pytest.raises(ValueError, match="is_staff=True"):
        User.objects.create_superuser("boss@example.com", is_staff=False)


def test_create_user_lowercases_the_domain_only():
    user = User.objects.create_user("Ada.Lovelace@EXAMPLE.COM")
    assert user.email == "Ada.Lovelace@example.com"


def test_email_is_unique_ignoring_case():
    UserFactory(email="ada@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("ADA@example.com")


def test_lookup_by_email_ignores_case():
    user = UserFactory(email="Grace@example.com")
    assert User.objects.get_by_natural_key("grace@EXAMPLE.com") == user


def test_sign_in_finds_a_look_alike_spelling_under_the_accounts_one_key():
    carol = UserFactory(email="carol@example.com")
    # A full-width m (U+FF4D) and stray spaces: the sign-in form normalises both away.
    assert sign_in_key(" Carol@exa\uff4dple.com ") == "carol@example.com"
    assert User.objects.get_by_natural_key("carol@exa\uff4dple.com") == carol


@given(typed=st.text(alphabet=st.characters(codec="utf-8"), max_size=60))
def test_the_key_of_what_was_typed_is_the_key_sign_in_looks_up(typed):
    """The limit keys the raw POST; the lookup gets what the form made of it. Same key."""
    cleaned = UsernameField(max_length=254).to_python(typed)
    assert sign_in_key(cleaned) == sign_in_key(typed)


def test_the_key_of_a_greek_letter_whose_lower_case_composes_is_itself():
    # Lower-casing "\u03aa\u0301" gives a sequence that NFKC composes anew.
    typed = "\u03aa\u0301@example.gr"
    assert sign_in_key(sign_in_key(typed)) == sign_in_key(typed)


def test_lookups_by_email_find_every_spelling_sign_in_accepts():
    alice = UserFactory(email="alice@example.com")
    look_alike = "ALICE@exa\uff4dple.com "  # a full-width m, capitals, a space

    assert list(User.objects.by_email(look_alike)) == [alice]
    assert list(User.objects.by_emails([look_alike, "nobody@example.com"])) == [alice]


def test_the_database_refuses_two_accounts_whose_emails_normalise_alike():
    UserFactory(email="alice@example.com")

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("alice@exa\uff4dple.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_create([User(email="Alice@exa\uff4dple.com", password="!")])


def test_the_database_refuses_an_account_without_its_key():
    user = UserFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=user.pk).update(email_key="")


def test_every_way_of_saving_a_user_keeps_its_email_key():
    created = User.objects.create_user("Ada@Exa\uff4dple.com")
    (bulk,) = User.objects.bulk_create([User(email="Bob@example.com", password="!")])
    assert created.email_key == "ada@example.com"
    assert User.objects.get(pk=bulk.pk).email_key == "bob@example.com"

    created.email = "Grace@example.com"
    created.save(update_fields=["email"])
    assert User.objects.get(pk=created.pk).email_key == "grace@example.com"
    created.email = "Hedy@example.com"
    created.save()
    assert User.objects.get(pk=created.pk).email_key == "hedy@example.com"


def test_a_form_refuses_an_email_another_account_has_in_another_spelling():
    UserFactory(email="alice@example.com")
    user = UserFactory(email="bob@example.com")

    adding = UserAddForm({"email": "Alice@exa\uff4dple.com"})
    changing = NamesAndEmailForm({"email": "alice@exa\uff4dple.com"}, instance=user)

    assert adding.errors["email"] == ["A user with that email address already exists."]
    assert changing.errors["email"] == ["A user with that email address already exists."]


def test_status_reflects_password_and_activity():
    assert InvitedUserFactory().status == "invited"
    assert UserFactory().status == "active"
    assert UserFactory(is_active=False).status == "deactivated"


def test_status_querysets_partition_users():
    invited, active, gone = InvitedUserFactory(), UserFactory(), UserFactory(is_active=False)
    assert list(User.objects.invited()) == [invited]
    assert list(User.objects.with_password()) == [active]
    assert list(User.objects.deactivated()) == [gone]


def test_full_name_joins_names():
    user = UserFactory(first_name="Ada", last_name="Lovelace")
    assert user.get_full_name() == "Ada Lovelace"
    assert str(user) == user.email


# --- What accounts announces (accounts.signals) --------------------------------------------


@pytest.fixture
def announced():
    """Every credentials_changed and users_deactivated sent while the test runs."""
    heard = []

    def credentials(sender, *, user, changed, **kwargs):
        heard.append(("credentials_changed", user.pk, frozenset(changed)))

    def deactivated(sender, *, user_ids, **kwargs):
        heard.append(("users_deactivated", tuple(user_ids)))

    credentials_changed.connect(credentials)
    users_deactivated.connect(deactivated)
    yield heard
    credentials_changed.disconnect(credentials)
    users_deactivated.disconnect(deactivated)


def test_a_new_password_is_announced(announced):
    user = UserFactory()
    user.set_password("Another-long-passphrase-3")
    user.save()
    assert announced == [("credentials_changed", user.pk, frozenset({"password"}))]


def test_a_new_email_is_announced(announced):
    user = UserFactory()
    user.email = "elsewhere@example.com"
    user.save()
    assert announced == [("credentials_changed", user.pk, frozenset({"email"}))]


def test_deactivation_is_announced_by_save_and_in_bulk(announced):
    one, other = UserFactory(), UserFactory()
    one.is_active = False
    one.save()
    users_deactivate(users=[other], actor=SuperuserFactory())
    assert announced == [("users_deactivated", (one.pk,)), ("users_deactivated", (other.pk,))]


def test_other_changes_and_new_users_announce_nothing(announced):
    user = UserFactory()
    user.first_name = "Renamed"
    user.save()
    assert announced == []


# --- the sessions generation --------------------------------------------------


def test_at_generation_zero_the_session_proof_is_djangos_so_nobody_is_signed_out_by_upgrading():
    from django.contrib.auth.base_user import AbstractBaseUser

    user = UserFactory()
    assert user.sessions_generation == 0
    assert user.get_session_auth_hash() == AbstractBaseUser._get_session_auth_hash(user)


def test_a_new_sessions_generation_changes_the_session_proof_and_keeps_the_password():
    user = UserFactory()
    before, password = user.get_session_auth_hash(), user.password
    user.sessions_generation = 1
    after = user.get_session_auth_hash()
    user.sessions_generation = 2
    assert len({before, after, user.get_session_auth_hash()}) == 3
    assert user.password == password


def test_the_session_proof_still_changes_with_the_password_at_any_generation():
    user = UserFactory(sessions_generation=3)
    before = user.get_session_auth_hash()
    user.set_password("another-Long-passphrase-7")
    assert user.get_session_auth_hash() != before


def test_old_secret_keys_still_prove_a_session_at_any_generation(settings):
    user = UserFactory(sessions_generation=2)
    made_with_the_old_key = user._get_session_auth_hash(secret="old-key")
    settings.SECRET_KEY_FALLBACKS = ["old-key"]
    assert made_with_the_old_key in list(user.get_session_auth_fallback_hash())
