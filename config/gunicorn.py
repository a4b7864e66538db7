"""gunicorn's settings beside its command line: ``gunicorn -c python:config.gunicorn …`` (the
Procfile, the image, compose and the load benchmark's stack all pass it).

The cyclic garbage collector. A worker keeps about a million objects for its life (Django,
the URL resolver, compiled templates, translations, the ORM's caches), and each full
collection walks all of them: 100–200 ms each, and with four threads a request's objects
live long enough to be promoted, so full collections came every 15–20 requests: about a
fifth of a worker's CPU on the Monday mix (README, "Load and faults"). So a worker moves what
it holds at its start and after its first requests out of the collector's sight
(``gc.freeze``: kept for good, never walked again), and runs a full collection ten times more
rarely; the young generations are collected as before.
"""

from __future__ import annotations

import gc

# By these counts a worker has compiled the templates and filled the caches of the pages it
# serves (a freeze also pins what the other threads' requests hold at that moment: a few
# requests' worth of objects, three times in a worker's life).
FREEZE_AT_REQUESTS = (20, 100, 1000)
# A full collection after this many collections of the middle generation (Python's: 10).
FULL_COLLECTION_EVERY = 100


def freeze() -> None:
    """Collect what is garbage now, then keep every object left out of later collections."""
    gc.collect()
    gc.freeze()


def post_worker_init(worker) -> None:
    young, middle, _full = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)
    freeze()  # Django and the application loaded
    worker.qingdan_frozen_at = 0


def post_request(worker, req, environ, resp) -> None:
    due = [n for n in FREEZE_AT_REQUESTS if worker.qingdan_frozen_at < n <= worker.nr]
    if due:
        worker.qingdan_frozen_at = due[-1]
        freeze()
