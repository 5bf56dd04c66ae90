"""PATCH requests as identity providers send them, before scim2-models reads them.

Entra ID writes ``displayName`` and ``emails[type eq "work"].value`` with every
update, by default. Here both are read-only (the display name follows the
names, the one address is ``userName``), and RFC 7644 §3.5.2 answers a change
to a read-only attribute with ``400 mutability``. An operation that writes
what the account already shows changes nothing, though: it is dropped, so
that a provider's routine update goes through. One that would change either
is still refused, and says why.
"""

from accounts.models import sign_in_key

# The read-only attributes an operation may restate, lower-cased.
_RESTATABLE = ("displayname", "emails")


def _root(path: str) -> str:
    """``emails[type eq "work"].value`` → ``emails``; ``displayName`` → ``displayname``."""
    name = path.rsplit(":", 1)[-1] if path.lower().startswith("urn:") else path
    return name.split("[", 1)[0].split(".", 1)[0].strip().lower()


def _values(value) -> list:
    """Every text an operation's value gives: a string, ``{"value": …}`` or a list of them."""
    items = value if isinstance(value, list) else [value]
    return [item.get("value") if isinstance(item, dict) else item for item in items]


def _restates(attribute: str, value, shown: dict[str, str]) -> bool:
    texts = _values(value)
    if not texts or not all(isinstance(text, str) for text in texts):
        return False
    if attribute == "emails":
        return all(sign_in_key(text) == sign_in_key(shown["emails"]) for text in texts)
    return all(text == shown[attribute] for text in texts)


def restatements_dropped(payload: dict, *, display_name: str, email: str) -> dict:
    """``payload`` without the operations that restate a read-only attribute's value.

    An operation without a path loses the restating keys of its value.
    """
    shown = {"displayname": display_name, "emails": email}
    kept = []
    for operation in payload.get("Operations") or []:
        if not isinstance(operation, dict) or str(operation.get("op", "")).lower() == "remove":
            kept.append(operation)
            continue
        path, value = operation.get("path"), operation.get("value")
        if isinstance(path, str) and path:
            attribute = _root(path)
            if attribute in _RESTATABLE and _restates(attribute, value, shown):
                continue
        elif isinstance(value, dict):
            value = {
                key: each
                for key, each in value.items()
                if not (_root(key) in _RESTATABLE and _restates(_root(key), each, shown))
            }
            if not value:
                continue
            operation = {**operation, "value": value}
        kept.append(operation)
    return {**payload, "Operations": kept}
