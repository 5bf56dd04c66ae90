"""Forms of the accounts app: the admin's user forms, and the names on one's own page."""

from django import forms
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import User


class UserAddForm(forms.ModelForm):
    """Add a user without a password: they set one through a link."""

    class Meta:
        model = User
        fields = ("email", "first_name", "last_name", "groups", "is_staff")

    def clean_email(self):
        return User.objects.normalize_email(self.cleaned_data["email"])

    def save(self, commit: bool = True):
        user = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
            self.save_m2m()
        return user


class UserChangeForm(DjangoUserChangeForm):
    """The admin's change form, which keeps an admin from locking themself out."""

    # Set by the admin: the person editing. Their own account may not lose
    # what lets them administer it; another administrator must do that.
    editor: User | None = None

    class Meta(DjangoUserChangeForm.Meta):
        model = User
        fields = "__all__"

    def clean(self):
        cleaned_data = super().clean()
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
