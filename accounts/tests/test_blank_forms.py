from django import forms

from accounts.blank_forms import blank_fields, forget_drawn


class Plain(forms.Form):
    name = forms.CharField()


class Alike(Plain):
    def blank_variant(self):
        return ()


def test_only_a_form_that_says_what_its_drawing_depends_on_is_drawn_once():
    forget_drawn()
    assert blank_fields(Plain()) is None
    drawn = blank_fields(Alike())
    assert 'name="name"' in drawn
    assert blank_fields(Alike()) is drawn


def test_a_form_with_something_in_it_is_never_drawn_once():
    forget_drawn()
    assert blank_fields(Alike({"name": "Ada"})) is None
    assert blank_fields(Alike(initial={"name": "Ada"})) is None
