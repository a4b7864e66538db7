"""The production shape on loopback: gunicorn web processes, Celery workers, one beat.

Each process is started in its own session and stopped by its own id (never by name): the
machine is shared. Used by the load benchmark and by the scale-out and fault tests."""

from __future__ import annotations

import os
import platform
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent


_GIVEN: set[int] = set()


def free_port() -> int:
    """A free port on loopback: any, or the first free one of the hundred from
    ``LOAD_PORT_BASE`` (a shared machine where each person keeps to their own ports)."""
    base = int(os.environ.get("LOAD_PORT_BASE", "0"))
    for port in range(base, base + 100) if base else [0]:
        if port in _GIVEN:  # handed out, its server perhaps not listening yet
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            _GIVEN.add(probe.getsockname()[1])
            return probe.getsockname()[1]
    raise RuntimeError(f"no free port in {base}–{base + 99}")


@dataclass
class Stack:
    """Processes of one run: ``webs`` (their ports in ``ports``), ``workers``, ``beat``."""

    folder: Path
    env: dict[str, str]
    ports: list[int] = field(default_factory=list)
    webs: list[subprocess.Popen] = field(default_factory=list)
    workers: list[subprocess.Popen] = field(default_factory=list)
    beat: subprocess.Popen | None = None
    extra_beats: list[subprocess.Popen] = field(default_factory=list)

    @property
    def hosts(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.ports]

    def _start(self, name: str, args: list[str], **extra: str) -> subprocess.Popen:
        log = (self.folder / f"{name}.log").open("a")
        return subprocess.Popen(
            args,
            cwd=ROOT,
            env={**self.env, **extra},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start_web(
        self, *, workers: int = 2, threads: int = 4, access_log: bool = False
    ) -> subprocess.Popen:
        """One gunicorn on a free port; ``access_log`` writes a line per request to its log
        (``web<n>.log``), for a test to see which process served what."""
        port = free_port()
        web = self._start(
            f"web{len(self.webs)}",
            [
                str(BIN / "gunicorn"),
                "config.wsgi:application",
                "--config",
                "python:config.gunicorn",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--graceful-timeout",
                "10",
                # Longer than gunicorn's 2 s: a client (or a proxy) reusing a connection the
                # server has just closed gets "connection reset" (seen under load).
                "--keep-alive",
                "30",
                *(["--access-logfile", "-"] if access_log else []),
            ],
        )
        self.ports.append(port)
        self.webs.append(web)
        return web

    def start_worker(self, *, concurrency: int = 2, pool: str = "prefork") -> subprocess.Popen:
        n = len(self.workers)
        worker = self._start(
            f"worker{n}",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool",
                pool,
                "--concurrency",
                str(concurrency),
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "INFO",
                "-n",
                f"load{n}-{os.getpid()}@%h",
            ],
        )
        self.workers.append(worker)
        return worker

    def start_beat(self, name: str = "beat", **extra: str) -> subprocess.Popen:
        beat = self._start(
            name,
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(self.folder / f"{name}-schedule"),
            ],
            **extra,
        )
        if name == "beat":
            self.beat = beat
        else:
            self.extra_beats.append(beat)
        return beat

    def wait_until_serving(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        for host, web in zip(self.hosts, self.webs, strict=True):
            while True:
                if web.poll() is not None:
                    raise RuntimeError(f"{host} exited; see {self.folder}")
                try:
                    with urllib.request.urlopen(f"{host}/accounts/login/", timeout=5) as answer:
                        if answer.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{host} did not serve within {timeout} s")
                time.sleep(0.5)

    def all(self) -> list[subprocess.Popen]:
        return [*self.webs, *self.workers, *([self.beat] if self.beat else []), *self.extra_beats]

    def stop(self) -> None:
        """TERM to every process group at once, then wait for each (so the processes shut
        down side by side, not one after the other)."""
        running = [process for process in self.all() if _signal(process, signal.SIGTERM)]
        for process in running:
            _wait_or_kill(process)


def _signal(process: subprocess.Popen, number: int) -> bool:
    """Send ``number`` to the process group we started; False when it is gone already."""
    if process.poll() is not None:
        return False
    try:
        os.killpg(process.pid, number)
    except ProcessLookupError:
        return False
    return True


def _wait_or_kill(process: subprocess.Popen) -> None:
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def stop_process(process: subprocess.Popen, kill: bool = False) -> None:
    """Stop one process group we started (TERM, then KILL after 20 s; KILL at once if asked)."""
    if _signal(process, signal.SIGKILL if kill else signal.SIGTERM):
        _wait_or_kill(process)


def cpu_seconds(process: subprocess.Popen) -> float:
    """CPU time of a process and its children that are still alive (user + system)."""
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    pids = [process.pid]
    try:
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        pids += [int(pid) for pid in children]
    except OSError:
        return 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def machine_cpu() -> tuple[float, float]:
    """(busy, all) CPU seconds of the whole machine since boot, every core and process:
    what the web processes' share is out of."""
    ticks = os.sysconf("SC_CLK_TCK")
    fields = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / ticks, sum(fields[:8]) / ticks


def machine_described(proc: Path = Path("/proc"), cpus: int | None = None) -> str:
    """The machine the figures were taken on, as the README records it: the processor's model,
    the CPUs this process may run on (``cpus``; a container's, not the host's), whether a
    hypervisor lends them (when the processor says: x86 does), and the memory ("AMD EPYC, 2
    CPUs (a virtual machine), 24 GiB"). A figure of one machine is not one of another: the
    same code served 90–110 req/s on one of this project's machines and 130–136 on a later
    one."""
    cpuinfo, meminfo = (_read(proc / name) for name in ("cpuinfo", "meminfo"))
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, flags=re.MULTILINE)
    flags = re.search(r"^flags\s*:(.*)$", cpuinfo, flags=re.MULTILINE)
    if cpus is None:
        cpus = len(os.sched_getaffinity(0))
    described = model[1].strip() if model else f"an {platform.machine() or 'unknown'} processor"
    described += f", {cpus} CPU{'' if cpus == 1 else 's'}"
    if flags and " hypervisor " in f" {flags[1]} ":
        described += " (a virtual machine)"
    memory = re.search(r"^MemTotal:\s*(\d+) kB", meminfo, flags=re.MULTILINE)
    if memory:
        gib = int(memory[1]) / 1024 / 1024
        described += f", {gib:.0f} GiB" if gib >= 10 else f", {gib:.1f} GiB"
    return described


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
