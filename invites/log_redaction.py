"""Keep link secrets out of logs: their URL paths end up in request logs."""

import logging
import re

# /set-password/<secret>/ : anything after the prefix up to the next slash,
# quote, space or query, so a malformed secret is hidden as well.
SECRET_IN_PATH = re.compile(r"(/set-password/)(?!\s|$)[^/\s\"'?#]+")
REDACTED = r"\1[redacted]"


def redact(text: str) -> str:
    return SECRET_IN_PATH.sub(REDACTED, text)


class RedactLinkSecretsFilter(logging.Filter):
    """Rewrite a record's message with every link secret replaced."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        return True
