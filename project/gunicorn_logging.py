"""Gunicorn's logger with link secrets removed from access-log lines."""

from gunicorn.glogging import Logger

from invites.log_redaction import redact


class RedactingLogger(Logger):
    """Redact set-password secrets in every access-log field.

    The secret is in the request line and path of a link's first request, and
    in the Referer of whatever that page requests next.
    """

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()
        }
