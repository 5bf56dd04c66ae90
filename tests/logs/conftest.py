"""What the log tests share: the project's logging, written into a string."""

import io
import logging
import logging.config
import sys

import pytest
from django.conf import settings


@pytest.fixture
def configured_log():
    """The project's LOGGING, configured afresh, its stream handlers writing into a string."""
    logging.config.dictConfig(settings.LOGGING)
    handlers = {
        handler
        for name in ("", "django", "django.request")
        for handler in logging.getLogger(name).handlers
        if isinstance(handler, logging.StreamHandler)
    }
    assert handlers, "LOGGING configures no stream handler"
    stream = io.StringIO()
    for handler in handlers:
        handler.setStream(stream)
    yield stream
    for handler in handlers:
        handler.setStream(sys.stderr)
