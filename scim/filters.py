"""SCIM filters (RFC 7644 §3.4.2.2) as Django queries: the database does the filtering.

scim2-models parses a filter into a tree; ``FilterToQ`` turns the tree into a
``Q`` over the model's fields, so that a page of 50,000 users costs the same
queries as a page of ten. Attributes that have no column are refused with
``invalidFilter`` rather than matched in Python.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from scim2_models import InvalidFilterException, ScimFilter
from scim2_models.path.expressions import (
    AttrPath,
    CompareOperator,
    Comparison,
    LogicalExpr,
    LogicalOperator,
    Not,
    Present,
    ValuePath,
)
from scim2_models.path.visitor import FilterVisitor

from accounts.models import sign_in_key


@dataclass(frozen=True)
class Column:
    """A filterable attribute: its field, and how its values compare.

    ``kind``: ``text`` (case-insensitive, as RFC 7643 says of most strings),
    ``exact`` (case-sensitive: ``externalId``), ``email`` (``userName``: an
    ``eq`` matches as sign-in matches, through the sign-in key), ``id``,
    ``bool`` or ``date``.
    """

    field: str
    kind: str = "text"


_TEXT_LOOKUPS = {
    CompareOperator.eq: "iexact",
    CompareOperator.co: "icontains",
    CompareOperator.sw: "istartswith",
    CompareOperator.ew: "iendswith",
}
_EXACT_LOOKUPS = {
    CompareOperator.eq: "exact",
    CompareOperator.co: "contains",
    CompareOperator.sw: "startswith",
    CompareOperator.ew: "endswith",
}
_ORDER_LOOKUPS = {
    CompareOperator.gt: "gt",
    CompareOperator.ge: "gte",
    CompareOperator.lt: "lt",
    CompareOperator.le: "lte",
}

CORE_PREFIX = "urn:ietf:params:scim:schemas:core:2.0:"


class FilterToQ(FilterVisitor[Q]):
    """A filter tree as a ``Q`` over the columns a resource maps its attributes to."""

    def __init__(self, columns: dict[str, Column]):
        self.columns = columns
        # Whether a column is across a relation: rows may then repeat.
        self.joins = False

    def _column(self, path: AttrPath, sub_attr: str | None = None) -> Column:
        name = path.attr
        if path.sub_attr or sub_attr:
            name = f"{name}.{path.sub_attr or sub_attr}"
        if path.uri and not path.uri.startswith(CORE_PREFIX):
            name = f"{path.uri}:{name}"
        column = self.columns.get(name.lower())
        if column is None:
            raise InvalidFilterException(
                detail=_("Filtering on %(name)s is not supported.") % {"name": name}
            )
        self.joins = self.joins or "__" in column.field
        return column

    def visit_comparison(self, node: Comparison, sub_attr: str | None = None) -> Q:
        column = self._column(node.attr_path, sub_attr)
        value = _value(column, node.value)
        op = node.op
        if op == CompareOperator.ne:
            return ~self._equal(column, value) | Q(**{f"{column.field}__isnull": True})
        if op == CompareOperator.eq:
            return self._equal(column, value)
        if op in _ORDER_LOOKUPS and column.kind != "bool":
            return Q(**{f"{column.field}__{_ORDER_LOOKUPS[op]}": value})
        if op in _TEXT_LOOKUPS and column.kind in ("text", "email", "exact"):
            lookups = _EXACT_LOOKUPS if column.kind == "exact" else _TEXT_LOOKUPS
            return Q(**{f"{column.field}__{lookups[op]}": value})
        raise InvalidFilterException(
            detail=_("%(op)s does not apply to %(path)s.") % {"op": node.op, "path": node.attr_path}
        )

    def _equal(self, column: Column, value) -> Q:
        if column.kind == "email":
            return Q(email_key=sign_in_key(value))
        if column.kind == "text":
            return Q(**{f"{column.field}__iexact": value})
        return Q(**{column.field: value})

    def visit_present(self, node: Present, sub_attr: str | None = None) -> Q:
        column = self._column(node.attr_path, sub_attr)
        present = Q(**{f"{column.field}__isnull": False})
        if column.kind in ("text", "exact", "email"):
            present &= ~Q(**{column.field: ""})
        return present

    def visit_not(self, node: Not) -> Q:
        return ~self.visit(node.expr)

    def visit_logical_expr(self, node: LogicalExpr) -> Q:
        queries = [self.visit(term) for term in node.terms]
        combined = queries[0]
        for query in queries[1:]:
            combined = combined & query if node.op == LogicalOperator.and_ else combined | query
        return combined

    def visit_value_path(self, node: ValuePath) -> Q:
        # emails[value eq "…"], members[value eq "12"]: the inner filter, on
        # the multi-valued attribute's sub-attributes.
        return _Within(self, node.attr_path).visit(node.val_filter)


class _Within(FilterVisitor[Q]):
    """The filter inside brackets, its attributes read as sub-attributes of ``outer``."""

    def __init__(self, parent: FilterToQ, outer: AttrPath):
        self.parent = parent
        self.outer = outer

    def visit_comparison(self, node: Comparison) -> Q:
        return self.parent.visit_comparison(
            Comparison(self.outer, node.op, node.value), sub_attr=node.attr_path.attr
        )

    def visit_present(self, node: Present) -> Q:
        return self.parent.visit_present(Present(self.outer), sub_attr=node.attr_path.attr)

    def visit_not(self, node: Not) -> Q:
        return ~self.visit(node.expr)

    def visit_logical_expr(self, node: LogicalExpr) -> Q:
        return FilterToQ.visit_logical_expr(self, node)  # type: ignore[arg-type]

    def visit_value_path(self, node: ValuePath) -> Q:
        raise InvalidFilterException(detail=_("Brackets within brackets are not supported."))


def _value(column: Column, value):
    """The filter's value as the column compares it, or ``invalidFilter`` saying why not."""
    if column.kind == "bool":
        if not isinstance(value, bool):
            raise InvalidFilterException(detail=_("Compare a boolean with true or false."))
        return value
    if column.kind == "id":
        try:
            return int(value)
        except (TypeError, ValueError):
            return 0  # no row has id 0: an unknown id matches nothing
    if column.kind == "date":
        try:
            moment = value if isinstance(value, datetime) else parse_datetime(str(value))
        except ValueError:  # well-formed, but no such day or hour
            moment = None
        if moment is None:
            raise InvalidFilterException(detail=_("Compare a date with an ISO 8601 time."))
        return moment
    if not isinstance(value, str):
        raise InvalidFilterException(detail=_("Compare a text attribute with a string."))
    return value


def filtered(rows: QuerySet, text: str | None, columns: dict[str, Column]) -> QuerySet:
    """``rows`` narrowed by a filter's text, or ``InvalidFilterException`` saying why not."""
    if not text:
        return rows
    try:
        tree = ScimFilter(text).ast
    except (ValueError, TypeError) as error:
        raise InvalidFilterException(detail=str(error)) from None
    to_q = FilterToQ(columns)
    rows = rows.filter(to_q.visit(tree))
    return rows.distinct() if to_q.joins else rows


USER_COLUMNS = {
    "id": Column("pk", "id"),
    "username": Column("email", "email"),
    "externalid": Column("external_id", "exact"),
    "name.givenname": Column("first_name"),
    "name.familyname": Column("last_name"),
    "emails": Column("email", "email"),
    "emails.value": Column("email", "email"),
    "active": Column("is_active", "bool"),
    "meta.created": Column("date_joined", "date"),
    "groups": Column("groups__pk", "id"),
    "groups.value": Column("groups__pk", "id"),
    "groups.display": Column("groups__name"),
}
GROUP_COLUMNS = {
    "id": Column("pk", "id"),
    "displayname": Column("name"),
    "members": Column("user__pk", "id"),
    "members.value": Column("user__pk", "id"),
}
