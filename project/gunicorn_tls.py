"""One TLS context per gunicorn worker, where gunicorn makes one for every connection.

Serving HTTPS itself (``--certfile``, ``--keyfile``), gunicorn's sync worker
builds a new ``ssl.SSLContext`` for each connection it accepts, reading and
checking the certificate and its key again: about a millisecond of the
worker's CPU each time, twice a sign-in (the form, then its POST), measured
with bench/sign_in.py --tls. Here a context made once serves every
connection. A certificate or key renewed on disk is still read at the next
connection: the context is made again when a file's size or modification
time changes.
"""

import os
import ssl
from collections.abc import Callable

_made: dict[tuple, ssl.SSLContext] = {}


def _files(conf) -> tuple:
    """The certificate, the key and the client CA bundle (if any), as they are on disk now."""
    state = []
    for path in (conf.certfile, conf.keyfile, conf.ca_certs):
        if path:
            found = os.stat(path)
            state.append((path, found.st_size, found.st_mtime_ns))
    return tuple(state)


def reused_ssl_context(
    conf, default_ssl_context_factory: Callable[[], ssl.SSLContext]
) -> ssl.SSLContext:
    """gunicorn's ``ssl_context`` hook: this worker's context, made again if a file changed."""
    files = _files(conf)
    context = _made.get(files)
    if context is None:
        context = default_ssl_context_factory()
        # Only the newest: a renewed certificate's predecessor is not served again.
        _made.clear()
        _made[files] = context
    return context
