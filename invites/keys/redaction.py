"""Keep every key's secret out of logs, whatever shape a request gave it.

A secret reaches a log in a request's path, query string or Referer, and a
client may have written it in many ways: percent-encoded (one character, the
slash, the whole path; once or several times over), in capitals, with
something glued to it. So each word of a line (a run without whitespace or
double quotes) is percent-decoded until it stops changing, and judged in that
form:

- after the word that precedes a key in its URL (``set-password/``, ``join/``,
  ``accounts/request/``: ``kinds.KINDS``), in any case, whatever follows up to
  the next slash, query or fragment is hidden, spaces, tabs, plus signs and
  dashes included: a secret typed in groups, truncated or malformed is hidden
  whole;
- after an API token's prefix (``ppl_``, ``TOKEN_PREFIX``), in any case,
  wherever it stands (a path, a query, an ``Authorization`` header an error
  quotes), whatever follows up to the next whitespace, slash, query,
  fragment, quote or parameter separator: a token carries its own marker;
- nothing else: a long word elsewhere (a traceback's frame name, a hash in
  a static file's name) is no key, and stays readable.

A word with nothing to hide is left exactly as it was. One with something is
written decoded, with ``[redacted]`` in the secret's place, and every
character that could forge or break a log line (whitespace, control
characters, quotes, backslashes, non-ASCII) percent-encoded again.
"""

import logging
import re
from urllib.parse import quote, unquote

from invites.keys.kinds import KINDS
from invites.keys.secrets import TOKEN_PREFIX

REDACTED = "[redacted]"
# No client means a deeper encoding than this: a word that still decodes
# further is hidden whole rather than decoded without end.
MAX_DECODINGS = 5

_WORD = re.compile(r'[^\s"]+')
_PATH_WORDS = "|".join(
    r"[/\\]+".join(re.escape(part) for part in kind.path_word.rstrip("/").split("/"))
    for kind in KINDS
)
# A key's path word, its separator, then the secret: from a character that is
# neither a separator nor whitespace (``join/`` alone is the join form) up to
# the next slash, query, fragment, quote or line's end. Whitespace inside is
# the secret's own (typed in groups, or a decoded %20 or %09), except before a
# request line's protocol, and so are backslashes: Django's request log writes
# a tab as ``\t``. ``status`` after ``accounts/request/`` is a page.
_AFTER_PREFIX = re.compile(
    rf"((?:{_PATH_WORDS})[/\\]+)(?!status(?:[/\\?#]|$))(?=[^\s/\\])"
    r"(?:(?!\s+HTTP/)[^/?#&;\"'\r\n])+",
    re.IGNORECASE,
)
# A token's prefix wherever it stands, even glued to a word before it, then
# its secret, truncated, malformed or with something glued to it, up to the
# next separator; backslashes are hidden too, as for a link. A name that
# happens to hold the prefix loses its end: a small price for a token.
_TOKEN = re.compile(rf"({re.escape(TOKEN_PREFIX)})[^\s/?#&;,\"'<>]+", re.IGNORECASE)
_UNSAFE = re.compile(r'[^\x21-\x7e]|["\\]')


def _hide(text: str) -> str:
    return _TOKEN.sub(rf"\1{REDACTED}", _AFTER_PREFIX.sub(rf"\1{REDACTED}", text))


def _fully_decoded(word: str) -> str | None:
    """``word`` percent-decoded until it stops changing; None if it is still changing."""
    for _ in range(MAX_DECODINGS):
        decoded = unquote(word)
        if decoded == word:
            return word
        word = decoded
    return None


def _redact_word(word: str) -> str:
    decoded = _fully_decoded(word)
    if decoded is None:
        return REDACTED
    hidden = _hide(decoded)
    if hidden == decoded:
        return word
    return _UNSAFE.sub(lambda match: quote(match.group(), safe=""), hidden)


def redact(text: str) -> str:
    """``text`` with every link secret and API token in it, in whatever encoding, replaced."""
    if "%" not in text:
        return _hide(text)
    return _WORD.sub(lambda match: _redact_word(match.group()), text)


class RedactLinkSecretsFilter(logging.Filter):
    """Rewrite a record's message, traceback and stack with every key's secret replaced.

    On a handler it covers every record the handler writes; on a logger, every
    record made by that logger.
    """

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        # An exception's message can quote the path (a Resolver404's does).
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
