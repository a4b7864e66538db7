"""gunicorn's settings (config/gunicorn.py): every way the web is started passes them, and a
worker hides what it keeps from the garbage collector at its start and after its first
requests, once each."""

import re
from pathlib import Path
from types import SimpleNamespace

from config import gunicorn

ROOT = Path(__file__).resolve().parent.parent


class FakeGc:
    def __init__(self):
        self.calls: list[str] = []
        self.threshold = (700, 10, 10)

    def collect(self):
        self.calls.append("collect")

    def freeze(self):
        self.calls.append("freeze")

    def get_threshold(self):
        return self.threshold

    def set_threshold(self, *threshold):
        self.threshold = threshold


def test_every_web_command_passes_the_settings():
    texts = [
        (ROOT / "Procfile").read_text(),
        (ROOT / "Dockerfile").read_text(),
        (ROOT / "docker-compose.yml").read_text(),
        (ROOT / "benchmarks/load/stack.py").read_text(),
    ]
    for text in texts:
        assert re.search(
            r"config\.wsgi:application\W+(--config|-c)\W+python:config\.gunicorn", text
        )


def test_a_worker_freezes_at_its_start_and_after_its_first_requests(monkeypatch):
    fake = FakeGc()
    monkeypatch.setattr(gunicorn, "gc", fake)
    worker = SimpleNamespace(nr=0)
    gunicorn.post_worker_init(worker)
    assert fake.calls == ["collect", "freeze"]
    assert fake.threshold == (
        gunicorn.YOUNG_COLLECTION_AFTER,
        10,
        gunicorn.FULL_COLLECTION_EVERY,
    )
    frozen_at = []
    for n in range(1, 1200):
        worker.nr = n
        before = len(fake.calls)
        gunicorn.post_request(worker, None, {}, None)
        if len(fake.calls) > before:
            frozen_at.append(n)
    assert frozen_at == list(gunicorn.FREEZE_AT_REQUESTS)


def test_threads_finishing_together_freeze_once(monkeypatch):
    fake = FakeGc()
    monkeypatch.setattr(gunicorn, "gc", fake)
    worker = SimpleNamespace(nr=0)
    gunicorn.post_worker_init(worker)
    worker.nr = 101  # the 20th and 100th requests' hooks came after the count moved on
    gunicorn.post_request(worker, None, {}, None)
    gunicorn.post_request(worker, None, {}, None)
    assert fake.calls.count("freeze") == 2  # the start, then once


def test_the_load_run_reads_the_line_a_worker_logs_about_its_collections(monkeypatch, tmp_path):
    from benchmarks.load.run import gc_summary

    class Log:
        def info(self, message, *args):
            (tmp_path / "web0.log").write_text(message % args + "\n")

    monkeypatch.setattr(gunicorn, "GC_STATS", True)
    monkeypatch.setattr(gunicorn, "_spent", {"seconds": 1.5, "full": 3})
    monkeypatch.setattr(gunicorn.time, "process_time", lambda: 10.0)
    gunicorn.worker_exit(None, SimpleNamespace(log=Log(), nr=250))
    assert gc_summary(tmp_path) == (
        "web workers' garbage collections: 1.5 of their 10.0 CPU-seconds (15 %), 3 full, "
        "in 1 workers"
    )
