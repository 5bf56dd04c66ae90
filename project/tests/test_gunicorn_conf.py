"""gunicorn.conf.py's hooks, called as gunicorn calls them."""

import gc
import runpy

from django.conf import settings


def test_a_worker_freezes_what_it_loaded_so_collections_skip_it():
    hooks = runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py"))
    loaded = ["stands for the application a worker has just imported"]
    assert any(seen is loaded for seen in gc.get_objects())
    try:
        hooks["post_worker_init"](worker=None)
        assert not any(seen is loaded for seen in gc.get_objects())  # no generation scans it
    finally:
        gc.unfreeze()
