"""gunicorn.conf.py's hooks, called as gunicorn calls them."""

import gc
import logging
import runpy
from types import SimpleNamespace

from django.conf import settings
from django.urls import clear_url_caches, get_resolver


def test_a_worker_freezes_what_it_loaded_so_collections_skip_it():
    hooks = runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py"))
    loaded = ["stands for the application a worker has just imported"]
    assert any(seen is loaded for seen in gc.get_objects())
    try:
        hooks["post_worker_init"](worker=SimpleNamespace(log=logging.getLogger("test")))
        assert not any(seen is loaded for seen in gc.get_objects())  # no generation scans it
    finally:
        gc.unfreeze()


def test_a_worker_imports_every_view_before_its_first_request():
    hooks = runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py"))
    clear_url_caches()
    assert "url_patterns" not in get_resolver().__dict__
    try:
        hooks["post_worker_init"](worker=SimpleNamespace(log=logging.getLogger("test")))
        assert "url_patterns" in get_resolver().__dict__
    finally:
        gc.unfreeze()


def test_a_view_that_fails_to_import_does_not_stop_the_worker(settings, caplog):
    hooks = runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py"))
    settings.ROOT_URLCONF = "project.tests.no_such_urlconf"
    clear_url_caches()
    try:
        hooks["post_worker_init"](worker=SimpleNamespace(log=logging.getLogger("test")))
        assert gc.get_freeze_count() > 0
        assert "Importing the URLconf failed" in caplog.text
    finally:
        gc.unfreeze()
        clear_url_caches()
