"""One template rendered for each of many people at about the cost of rendering it a few times.

The links page draws a row, and a message, for each of up to hundreds of
people; rendering a template once each would cost that page more than its
budget (docs/benchmarks.md). ``render_for_each`` renders the template once,
with a mark in place of every value, and each person's values then take the
marks' places.
"""

import re
from collections.abc import Mapping, Sequence

from django.template import Context
from django.template.loader import get_template

# A value stands in for each variable while a template's skeleton is drawn.
_MARK = "\ue000{}\ue001"
_MARKED = re.compile("\ue000(\\w+)\ue001")
_UNSEEN = object()


def render_for_each(
    template_name: str,
    each: Sequence[Mapping[str, str]],
    *,
    shared: Mapping[str, object] | None = None,
    autoescape: bool = True,
) -> list[str]:
    """``template_name`` rendered with each of ``each`` (and ``shared``), in order.

    Each of ``each`` gives the template's variables, as strings the template
    prints as they are: with ``autoescape``, escaped already (``SafeString``).
    The template is drawn once for each set of variables that are empty, with
    marks in place of the others. The first of each set is rendered in full
    too; where the two differ (the template changes a value, with a filter
    such as ``upper``), every one of that set is rendered in full.
    """
    template = get_template(template_name).template
    shared = dict(shared or {})

    def render(values: Mapping[str, object]) -> str:
        return template.render(Context({**values, **shared}, autoescape=autoescape))

    # By the variables that are empty: the skeleton split at its marks
    # (text, name, text, …), or None where it cannot be trusted.
    skeletons: dict[tuple[str, ...], list[str] | None] = {}
    rendered = []
    for values in each:
        empty = tuple(key for key, value in values.items() if not value)
        parts = skeletons.get(empty, _UNSEEN)
        if parts is _UNSEEN:
            marked = {key: "" if key in empty else _MARK.format(key) for key in values}
            parts = _MARKED.split(render(marked))
            full = render(values)
            skeletons[empty] = parts if _fill(parts, values) == full else None
            rendered.append(full)
        elif parts is None:
            rendered.append(render(values))
        else:
            rendered.append(_fill(parts, values))
    return rendered


def _fill(parts: list[str], values: Mapping[str, str]) -> str:
    """A skeleton split at its marks (text, name, text, …), each name replaced by its value."""
    return "".join(values.get(part, "") if index % 2 else part for index, part in enumerate(parts))
