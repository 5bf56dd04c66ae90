"""``{% load forms %}``: ``{% form_fields form %}``, a form's fields drawn once when empty
(accounts.blank_forms)."""

from django import template

from accounts import blank_forms

register = template.Library()


@register.simple_tag
def form_fields(form):
    """``form``'s fields as ``_form_fields.html`` draws them, an empty form's kept per worker."""
    return blank_forms.form_fields(form)
