"""What an audit event's hash covers: its canonical text, and the chain from one to the next.

Plain functions of plain values, apart from the models: the stored hashes,
the export (``docs/audit.md``) and any checker written elsewhere depend on
this text staying the same, byte for byte.
"""

import hashlib
import json
from datetime import UTC, datetime

# The hash the first event chains from (and a purge's checkpoint replaces).
GENESIS = "0" * 64


def iso(moment: datetime) -> str:
    """A moment as the trail writes it: UTC, to the microsecond, with its offset."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def canonical(*, seq, at, actor, via, action, target, address, detail) -> str:
    """The keys in the interface's order, as compact JSON: an exported line less its hash.

    ``detail``'s own keys are sorted: a database may give a JSON object back
    in another order (PostgreSQL's jsonb does), and the text must not change.
    """
    return composed(seq, iso(at), actor, str(via), action, target, address, detail_text(detail))


# json.dumps(..., ensure_ascii=False, separators=(",", ":")), without making an
# encoder per call: a million events made two million.
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_COMPACT_SORTED = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def detail_text(detail: dict) -> str:
    """An event's detail as its hash covers it: compact JSON, keys sorted.

    Raises TypeError for a key that is not a string, at any depth: JSON would
    sort a number as a number and then write it as a string, and the
    database gives the string back to be sorted as text, so the text a
    checker rebuilds would not be the one hashed.
    """
    _check_string_keys(detail)
    return _COMPACT_SORTED.encode(detail)


def _check_string_keys(value) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"An audit event's detail has a key that is not text: {key!r}.")
            _check_string_keys(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _check_string_keys(item)


def composed(seq, at_text, actor, via, action, target, address, detail) -> str:
    """``canonical``'s text from its parts (``detail`` already ``detail_text``), with
    what json.dumps makes of each key, in the interface's order."""
    text = _COMPACT.encode
    return (
        f'{{"seq":{seq},"at":{text(at_text)},"actor":{text(actor)},"via":{text(via)},'
        f'"action":{text(action)},"target":{text(target)},"address":{text(address)},'
        f'"detail":{detail}}}'
    )


def chained(previous: str, body: str) -> str:
    """The hash of an event: SHA-256 of the previous event's hash and its body."""
    return hashlib.sha256((previous + body).encode()).hexdigest()
