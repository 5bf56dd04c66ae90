"""How long links stay valid, as an administrator chooses it when issuing them.

One form for the user admin's add page and its "Generate set-password links"
action: a few presets, the purpose's default preselected, or a free DURATION
read as the commands read ``--expires-in``. Nothing may exceed
``LINK_MAX_AGE_LIMIT``; the links services refuse it too, so no path can.
"""

from collections.abc import Iterable
from datetime import timedelta

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from invites.keys.durations import duration_parse, duration_text, max_age_check
from invites.links.services import default_max_age
from invites.models import Link

DEFAULT = "default"
OTHER = "other"
PRESETS = {
    "1h": timedelta(hours=1),
    "1d": timedelta(days=1),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}


def default_label(purposes: Iterable[str]) -> str:
    """The default choice, saying what it means for the links about to be issued."""
    purposes = set(purposes) or {Link.Purpose.INVITE, Link.Purpose.RESET}
    if purposes == {Link.Purpose.INVITE}:
        return _("Default for invites: %(duration)s") % {
            "duration": duration_text(default_max_age(Link.Purpose.INVITE))
        }
    if purposes == {Link.Purpose.RESET}:
        return _("Default for password resets: %(duration)s") % {
            "duration": duration_text(default_max_age(Link.Purpose.RESET))
        }
    return _("Default: %(invite)s for invites, %(reset)s for password resets") % {
        "invite": duration_text(default_max_age(Link.Purpose.INVITE)),
        "reset": duration_text(default_max_age(Link.Purpose.RESET)),
    }


class LinkLifetimeForm(forms.Form):
    """The lifetime of links about to be issued; ``max_age`` is the choice, after cleaning.

    Mixes into a model form too (the add page's), whose ``clean`` it calls.
    ``purposes`` are those of the links to issue: the default's label says
    what the default is for them.
    """

    link_lifetime = forms.ChoiceField(
        label=gettext_lazy("Link valid for"),
        widget=forms.RadioSelect,
        initial=DEFAULT,
        # Not given (a client that knows nothing of it) is the default.
        required=False,
    )
    link_lifetime_other = forms.CharField(
        label=gettext_lazy("Other duration"),
        required=False,
        max_length=20,
        help_text=gettext_lazy(
            "For “Other”: a whole number and m (minutes), h (hours) or d (days), "
            "for example 90m, 36h or 7d."
        ),
    )
    purposes: Iterable[str] = (Link.Purpose.INVITE,)

    def __init__(self, *args, purposes: Iterable[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if purposes is not None:
            self.purposes = tuple(purposes)
        self.fields["link_lifetime"].choices = [
            (DEFAULT, default_label(self.purposes)),
            *((key, duration_text(duration)) for key, duration in PRESETS.items()),
            (OTHER, _("Other")),
        ]

    def clean(self):
        cleaned_data = super().clean()
        choice = cleaned_data.get("link_lifetime")
        if choice in (DEFAULT, ""):
            cleaned_data["max_age"] = None
        elif choice in PRESETS:
            self._max_age_set("link_lifetime", PRESETS[choice])
        elif choice == OTHER:
            other = cleaned_data.get("link_lifetime_other", "").strip()
            if not other:
                self.add_error("link_lifetime_other", _("Give the duration for “Other”."))
            else:
                try:
                    duration = duration_parse(other)
                except ValueError as error:
                    self.add_error("link_lifetime_other", str(error))
                else:
                    self._max_age_set("link_lifetime_other", duration)
        return cleaned_data

    def _max_age_set(self, field: str, duration: timedelta) -> None:
        try:
            self.cleaned_data["max_age"] = max_age_check(duration)
        except ValueError as error:
            self.add_error(field, str(error))

    @property
    def max_age(self) -> timedelta | None:
        """The chosen lifetime, ``None`` for each purpose's default; the form must be valid."""
        return self.cleaned_data["max_age"]
