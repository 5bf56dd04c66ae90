"""The form that asks for an account."""

from django import forms
from django.utils.translation import gettext_lazy as _


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
