"""Gunicorn's logger with link secrets removed from its access and error logs."""

from gunicorn.glogging import Logger

from invites.keys.redaction import RedactLinkSecretsFilter


class RedactingLogger(Logger):
    """Redact set-password secrets from every line gunicorn writes.

    The secret is in the request line and path of a link's first request, in
    the Referer of whatever that page requests next, and in the request line
    the error log quotes when it refuses one. The filter sits on gunicorn's two
    loggers, so it applies whatever handlers a configuration gives them.
    """

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, RedactLinkSecretsFilter) for f in log.filters):
                log.addFilter(RedactLinkSecretsFilter())
