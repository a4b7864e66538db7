"""python -m benchmarks.load prepare | run [--users N] [--seconds S] [--webs N]"""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load")
    sub = parser.add_subparsers(dest="command", required=True)
    prep = sub.add_parser("prepare", help="build the template database DATABASE_URL names")
    prep.add_argument("--rows", type=int, default=10_000)
    run = sub.add_parser("run", help="run the Monday mix against a copy of the template")
    run.add_argument("--users", type=int, default=50)
    run.add_argument("--seconds", type=int, default=60)
    run.add_argument("--max-requests", type=int, default=20_000)
    run.add_argument("--webs", type=int, default=1, help="web processes (each on its own port)")
    run.add_argument("--workers", type=int, default=0, help="Celery workers (default: --webs)")
    run.add_argument("--gunicorn-workers", type=int, default=3)
    run.add_argument("--gunicorn-threads", type=int, default=1)
    run.add_argument(
        "--client-nice",
        type=int,
        default=-5,
        help="Locust's scheduling priority (0: the same as the server's; README, eleventh pass)",
    )
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("set DATABASE_URL to a throwaway PostgreSQL database (the template)")
    if args.command == "prepare":
        from benchmarks.load.prepare import prepare

        prepare(rows=args.rows)
    else:
        if not os.environ.get("REDIS_URL"):
            sys.exit("set REDIS_URL to a Redis database of your own")
        from benchmarks.load.run import run_benchmark

        sys.exit(run_benchmark(args))


if __name__ == "__main__":
    main()
