"""Where the web process's CPU per request goes beyond the page's own: the same GET pages of
the mix, measured three ways on the same copy of the template.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qingdan_load REDIS_URL=redis://…/6 \\
    python -m benchmarks.load.gap [--repeat 20] [--gunicorn-workers 2 --gunicorn-threads 4]
                                  [--clients 16 --seconds 20]

1. in this process with the test client (as ``benchmarks.load.cpu``): best and mean;
2. through gunicorn, one request at a time: the gunicorn processes' CPU over the requests;
3. through gunicorn, ``--clients`` threads sending the pages in the mix's proportions at once
   for ``--seconds``: the same counter, now with the threads sharing the worker processes.

(1) → (2) is what gunicorn and WSGI add, (2) → (3) what concurrency adds. The database is
``<name>_cpu`` as ``benchmarks.load.cpu`` makes it (``--no-copy`` reuses it).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["DEBUG"] = "false"


def in_process(pages, rows, repeat: int) -> dict[str, tuple[float, float]]:
    """(best, mean) CPU ms of each page with the test client, after one warm-up."""
    figures = {}
    for label, user, url, _weight in rows:
        pages.request(user, url, 0)
        spent = []
        for n in range(repeat):
            began = time.process_time()
            pages.request(user, url, n + 1)
            spent.append(time.process_time() - began)
        figures[label] = (1000 * min(spent), 1000 * sum(spent) / len(spent))
    return figures


def _sessions(pages, host: str):
    import requests

    sessions = {}
    for user, client in pages.clients.items():
        session = requests.Session()
        session.cookies.set("sessionid", client.cookies["sessionid"].value)
        sessions[user] = session
    return lambda user, url: sessions[user].get(f"{host}{url}", allow_redirects=False)


def sequential(get, web, rows, repeat: int) -> dict[str, float]:
    """gunicorn's CPU ms per request, each page ``repeat`` times one after the other (after a
    warm-up of each worker process and thread)."""
    from benchmarks.load.stack import cpu_seconds

    figures = {}
    for label, user, url, _weight in rows:
        for _ in range(8):
            answer = get(user, url)
            assert answer.status_code == 200, (label, answer.status_code, answer.headers)
        before = cpu_seconds(web)
        for _ in range(repeat):
            get(user, url)
        figures[label] = 1000 * (cpu_seconds(web) - before) / repeat
    return figures


def concurrent(get, web, rows, clients: int, seconds: float) -> tuple[int, float]:
    """(requests, gunicorn CPU ms per request) with ``clients`` threads sending the pages in
    the mix's proportions for ``seconds``."""
    from benchmarks.load.stack import cpu_seconds

    weights = [row[3] for row in rows]
    done = [0] * clients
    stop = time.monotonic() + seconds

    def client(n: int) -> None:
        chooser = random.Random(n)
        while time.monotonic() < stop:
            _label, user, url, _weight = chooser.choices(rows, weights)[0]
            get(user, url)
            done[n] += 1

    before = cpu_seconds(web)
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = sum(done)
    return total, 1000 * (cpu_seconds(web) - before) / max(1, total)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load.gap")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--gunicorn-workers", type=int, default=3)
    parser.add_argument("--gunicorn-threads", type=int, default=1)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--only", default="", help="only the pages whose label starts so")
    parser.add_argument("--no-copy", action="store_true", help="reuse <name>_cpu as it is")
    args = parser.parse_args()
    from benchmarks.load import cpu

    cpu.use_copy(reuse=args.no_copy)
    from benchmarks.load.run import _environment

    # The web processes' var folder here too: a secret key kept there signs the sessions.
    folder = Path(tempfile.mkdtemp(prefix="qingdan-gap-"))
    env = _environment(folder, os.environ["DATABASE_URL"])
    os.environ["QINGDAN_VAR_DIR"] = env["QINGDAN_VAR_DIR"]
    import django

    django.setup()
    if not args.no_copy:
        cpu._open_round()
    from benchmarks.load.stack import Stack

    pages = cpu.Pages()
    rows = [
        row
        for row in pages.table()
        if row[2].startswith("/")
        and not row[2].endswith("export/")
        and row[0].startswith(args.only)
    ]
    mine = in_process(pages, rows, args.repeat)
    stack = Stack(folder=folder, env=env)
    web = stack.start_web(workers=args.gunicorn_workers, threads=args.gunicorn_threads)
    load_before = os.getloadavg()
    try:
        stack.wait_until_serving()
        get = _sessions(pages, stack.hosts[0])
        served = sequential(get, web, rows, args.repeat)
        total, shared = concurrent(get, web, rows, args.clients, args.seconds)
    finally:
        stack.stop()
    print(f"{'page':<24} {'in process best':>16} {'mean':>6} {'gunicorn, one at a time':>24}")
    weighted = [0.0, 0.0, 0.0]
    for label, _user, _url, weight in rows:
        best, mean = mine[label]
        print(f"{label:<24} {best:>16.0f} {mean:>6.0f} {served[label]:>24.0f}")
        for n, value in enumerate((best, mean, served[label])):
            weighted[n] += value * weight
    share = sum(row[3] for row in rows)
    print(
        "weighted mean: in process best {:.0f}, mean {:.0f}; gunicorn one at a time {:.0f} ms".format(
            *(value / share for value in weighted)
        )
    )
    print(
        f"gunicorn {args.gunicorn_workers} workers × {args.gunicorn_threads} threads, "
        f"{args.clients} clients at once for {args.seconds:.0f} s: {total} requests, "
        f"{shared:.0f} ms CPU a request"
    )
    print(
        "load average before {:.2f} {:.2f} {:.2f}, after {:.2f} {:.2f} {:.2f}".format(
            *load_before, *os.getloadavg()
        )
    )


if __name__ == "__main__":
    main()
