import factory
from django.contrib.auth.models import Group, Permission
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from accounts.models import User

DEFAULT_PASSWORD = "a-Long-enough-passphrase-41"


class UserFactory(factory.django.DjangoModelFactory):
    """An active user with a usable password (DEFAULT_PASSWORD)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password(DEFAULT_PASSWORD)


class InvitedUserFactory(UserFactory):
    """A user who never set a password."""

    password = "!unusable"

    @factory.post_generation
    def unusable(obj, create, extracted, **kwargs):
        obj.set_unusable_password()
        if create:
            obj.save(update_fields=["password"])


class StaffFactory(UserFactory):
    is_staff = True


class SuperuserFactory(UserFactory):
    is_staff = True
    is_superuser = True


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"group-{n}")


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    """A confirmed authenticator app, as enrolment writes it, that has taken no code yet.

    Its ``key`` is hex, as stored; ``accounts.tests.totp.base32_of`` gives it
    as the app holds it. ``confirmed=False`` makes a device that checks nothing.
    """

    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(StaffFactory)
    name = two_factor.DEVICE_NAME
    key = factory.LazyFunction(two_factor.key_make)
    tolerance = two_factor.TOLERANCE
    confirmed = True


def grant(user: User, *perms: str) -> User:
    """Gives ``user`` each of ``perms`` ("app_label.codename")."""
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return User.objects.get(pk=user.pk)  # a fresh object: no stale permission cache


def user_managing_staff() -> User:
    """Staff who may add and change users, but are not superusers."""
    return grant(StaffFactory(), "accounts.view_user", "accounts.add_user", "accounts.change_user")
