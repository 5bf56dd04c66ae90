"""The fields of an empty form, drawn once per worker instead of at every request.

Django draws each field through templates of its own (the label's, the
widget's, its attributes'): about half a millisecond for two fields, a third
of the sign-in page's CPU (bench/sign_in.py, issue 21). An empty form, with
nothing typed, no error and nothing filled in, draws the same for everyone
who sees it, so its drawing is kept per form class, language and variant,
and pages draw their fields with ``{% form_fields form %}`` (``{% load forms %}``).

A form takes part by saying what its empty drawing depends on: its
``blank_variant()`` returns that as a tuple (``()`` for nothing), or None
when the form draws something of that person's own (an authenticator's
key). A form without the method is drawn for each request, as before.

Not Django's ``{% cache %}`` tag: it would ask the cache (Redis) over the
network for what costs less to draw, and it cannot tell an empty form from
one with something in it.
"""

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.forms import BaseForm
from django.template.loader import render_to_string
from django.utils import translation

# A few entries at most: form classes x languages x variants.
_drawn: dict[tuple, str] = {}


def blank_fields(form: BaseForm) -> str | None:
    """``form``'s fields as ``_form_fields.html`` draws them, once per worker; None to draw anew.

    None for a form with something in it (bound, or with initial values), for
    one without ``blank_variant()`` or whose variant is None, and while
    developing (DEBUG), where an edited template must show at once.
    """
    if form.is_bound or form.initial or settings.DEBUG:
        return None
    variant = form.blank_variant() if hasattr(form, "blank_variant") else None
    if variant is None:
        return None
    key = (type(form), translation.get_language(), variant)
    drawn = _drawn.get(key)
    if drawn is None:
        drawn = _drawn[key] = render_to_string("_form_fields.html", {"form": form})
    return drawn


def form_fields(form: BaseForm) -> str:
    """``form``'s fields as ``_form_fields.html`` draws them: kept if it is empty, else anew."""
    return blank_fields(form) or render_to_string("_form_fields.html", {"form": form})


@receiver(setting_changed, dispatch_uid="accounts.blank_forms.forget_drawn")
def forget_drawn(**kwargs) -> None:
    """Draw every form again at its next use: a test changed a setting (its validators, say)."""
    _drawn.clear()
