"""Start a real `celery worker` against the test database and Redis."""

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        pytest.skip("a worker needs a database it can share: run with DATABASE_URL (CI does)")
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(redis_url: str, log: Path, name: str, **env) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        **env,
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "INFO",
            "-n",
            f"{name}-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=environment,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(worker: subprocess.Popen, kill: bool = False) -> None:
    if worker.poll() is not None:
        return
    if kill:
        worker.kill()
    else:
        worker.terminate()
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(timeout=10)


@contextmanager
def running_worker(redis_url: str, log: Path, name: str = "w", **env):
    worker = start_worker(redis_url, log, name, **env)
    try:
        yield worker
    finally:
        stop(worker)


def wait_for(check, timeout: float = 60, what: str = "condition", log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.25)
    tail = log.read_text()[-3000:] if log and log.exists() else ""
    raise AssertionError(f"timed out waiting for {what}\n{tail}")


def purge(app) -> None:
    """Empty the test queue so messages of earlier tests do not leak in."""
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge("celery")
        client = conn.default_channel.client
        for key in ("unacked", "unacked_index"):
            client.delete(key)
