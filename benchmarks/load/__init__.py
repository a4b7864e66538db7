"""The Monday load benchmark: Locust against gunicorn, PostgreSQL, Redis, a worker and beat.

    python -m benchmarks.load prepare            # once: demo + 10,000 generated tasks (a template DB)
    python -m benchmarks.load run                # 50 users for 60 s against one web process
    python -m benchmarks.load run --webs 2       # two web processes, two workers, one beat

See README.md, "Load and faults".
"""
