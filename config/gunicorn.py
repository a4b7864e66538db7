"""gunicorn's settings beside its command line: ``gunicorn -c python:config.gunicorn …`` (the
Procfile, the image, compose and the load benchmark's stack all pass it).

The cyclic garbage collector. A worker keeps about a million objects for its life (Django,
the URL resolver, compiled templates, translations, the ORM's caches), and each full
collection walks all of them: 100–200 ms each, and with four threads a request's objects
live long enough to be promoted, so full collections came every 15–20 requests: about a
fifth of a worker's CPU on the Monday mix (README, "Load and faults"). So a worker moves what
it holds at its start and after its first requests out of the collector's sight
(``gc.freeze``: kept for good, never walked again). The young generation is collected after
7,000 new objects, not 700: a page makes tens of thousands, most gone by the time of a later
collection, so a tenth of the collections walk fewer survivors in all (the Monday mix in one
process: 285 collections and 2.3 % of its CPU against 21 and 1.4 %); a full collection comes
after 100 middle ones, not 10: with the young threshold, after a hundred times as many new
objects as Python's defaults, garbage cycles waiting that much longer (a worker's memory
after a load run: README "Load and faults", thirteenth pass).
"""

from __future__ import annotations

import gc
import os
import threading
import time

# By these counts a worker has compiled the templates and filled the caches of the pages it
# serves (a freeze also pins what the other threads' requests hold at that moment: a few
# requests' worth of objects, three times in a worker's life).
FREEZE_AT_REQUESTS = (20, 100, 1000)
# A full collection after this many collections of the middle generation (Python's: 10).
FULL_COLLECTION_EVERY = 100
# A young collection after this many new container objects (Python's: 700).
YOUNG_COLLECTION_AFTER = 7000
# QINGDAN_GC_STATS=1 (the load benchmark sets it): each worker logs, as it stops, the CPU its
# collections took ("gc: …" in its log), timed in the thread that collected.
GC_STATS = os.environ.get("QINGDAN_GC_STATS") == "1"
_began: dict[int, float] = {}
_spent = {"seconds": 0.0, "full": 0}


def freeze() -> None:
    """Collect what is garbage now, then keep every object left out of later collections."""
    gc.collect()
    gc.freeze()


def post_worker_init(worker) -> None:
    _young, middle, _full = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_AFTER, middle, FULL_COLLECTION_EVERY)
    freeze()  # Django and the application loaded
    worker.qingdan_frozen_at = 0


def post_request(worker, req, environ, resp) -> None:
    due = [n for n in FREEZE_AT_REQUESTS if worker.qingdan_frozen_at < n <= worker.nr]
    if due:
        worker.qingdan_frozen_at = due[-1]
        freeze()


def _timed(phase: str, info: dict) -> None:
    if phase == "start":
        _began[threading.get_ident()] = time.thread_time()
        return
    _spent["seconds"] += time.thread_time() - _began.pop(threading.get_ident(), time.thread_time())
    _spent["full"] += info["generation"] == 2


def post_fork(server, worker) -> None:
    if GC_STATS:
        gc.callbacks.append(_timed)


def worker_exit(server, worker) -> None:
    if GC_STATS:
        worker.log.info(
            "gc: %.2f CPU-seconds in collections (%d full) of %.2f in all, %d requests",
            _spent["seconds"],
            _spent["full"],
            time.process_time(),
            worker.nr,
        )
