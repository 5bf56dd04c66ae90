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
    keys = {
        "seq": seq,
        "at": iso(at),
        "actor": actor,
        "via": str(via),
        "action": action,
        "target": target,
        "address": address,
    }
    return _COMPACT.encode(keys)[:-1] + f',"detail":{_COMPACT_SORTED.encode(detail)}}}'


# json.dumps(..., ensure_ascii=False, separators=(",", ":")), without making an
# encoder per call: a million events made two million.
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_COMPACT_SORTED = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def chained(previous: str, body: str) -> str:
    """The hash of an event: SHA-256 of the previous event's hash and its body."""
    return hashlib.sha256((previous + body).encode()).hexdigest()
