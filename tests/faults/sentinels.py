"""A Redis set like a city's (README "Operations"), on loopback for the failover drill: a
master, one replica (``--replicaof``) and three sentinels with quorum 2, each a `redis-server`
process of its own on a free port, in its own session, stopped by its own id.

Sentinels are told to act fast (down after 1 s, failover timeout 4 s), so a killed master is
replaced within seconds; everything is polled with a deadline, never slept for."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis

QUORUM = 2
DOWN_AFTER_MS = 1000
FAILOVER_TIMEOUT_MS = 4000


def _ask(port: int) -> redis.Redis:
    """A client of one server or sentinel, without retries (each poll is the retry)."""
    return redis.Redis(
        host="127.0.0.1", port=port, socket_timeout=1, socket_connect_timeout=1, retry=None
    )


def _free_ports(count: int) -> list[int]:
    """``count`` distinct free loopback ports (each held open while the next is chosen)."""
    with contextlib.ExitStack() as held:
        probes = [held.enter_context(socket.socket()) for _ in range(count)]
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]


def _poll(check, timeout: float, what: str, logs: list[Path]):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(redis.RedisError):
            result = check()
            if result:
                return result
        time.sleep(0.1)
    tails = "\n".join(f"--- {log.name}\n{log.read_text()[-1500:]}" for log in logs if log.exists())
    raise AssertionError(f"timed out waiting for {what}\n{tails}")


@dataclass
class RedisSet:
    """The processes of one set; ``master_port`` is where the set started, the sentinels say
    where the master is now (``current_master``)."""

    binary: str
    folder: Path
    name: str = field(default_factory=lambda: f"qingdan-drill-{os.getpid()}")
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    master_port: int = field(init=False)
    replica_port: int = field(init=False)
    sentinel_ports: list[int] = field(init=False)

    def __post_init__(self) -> None:
        self.master_port, self.replica_port, *self.sentinel_ports = _free_ports(5)

    @property
    def sentinels(self) -> str:
        """The sentinels as REDIS_SENTINELS lists them."""
        return ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports)

    def _run(self, label: str, args: list[str]) -> None:
        log = (self.folder / f"{label}.log").open("a")
        self.processes[label] = subprocess.Popen(
            [self.binary, *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def _server(self, label: str, port: int, *extra: str) -> None:
        # No persistence: a restarted master would come back with no data, as after a disk loss.
        self._run(
            label,
            ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
            + ["--repl-diskless-sync-delay", "0"]
            + ["--dir", str(self.folder), "--dbfilename", f"{label}.rdb", *extra],
        )

    def _sentinel(self, n: int, port: int) -> None:
        conf = self.folder / f"sentinel{n}.conf"  # a sentinel rewrites its own file
        conf.write_text(
            f"port {port}\nbind 127.0.0.1\ndir {self.folder}\n"
            f"sentinel monitor {self.name} 127.0.0.1 {self.master_port} {QUORUM}\n"
            f"sentinel down-after-milliseconds {self.name} {DOWN_AFTER_MS}\n"
            f"sentinel failover-timeout {self.name} {FAILOVER_TIMEOUT_MS}\n"
            f"sentinel parallel-syncs {self.name} 1\n"
        )
        self._run(f"sentinel{n}", [str(conf), "--sentinel"])

    def start(self, timeout: float = 30) -> RedisSet:
        """Master, replica, sentinels; returns once the replica is in sync and every sentinel
        knows the replica and the two other sentinels (else a failover could not be voted)."""
        self._server("master", self.master_port)
        self._server(
            "replica", self.replica_port, "--replicaof", "127.0.0.1", str(self.master_port)
        )
        _poll(
            lambda: _ask(self.replica_port).info("replication").get("master_link_status") == "up",
            timeout,
            "the replica in sync",
            self.logs(),
        )
        # Only now: a sentinel finds replicas in the master's INFO, which it asks at once and
        # then every 10 s.
        for n, port in enumerate(self.sentinel_ports):
            self._sentinel(n, port)
        _poll(self._all_acquainted, timeout, "the sentinels to know each other", self.logs())
        return self

    def _all_acquainted(self) -> bool:
        for port in self.sentinel_ports:
            state = _ask(port).sentinel_master(self.name)
            if int(state["num-slaves"]) != 1 or int(state["num-other-sentinels"]) != 2:
                return False
        return True

    def current_master(self) -> int | None:
        """The master's port as a majority of the sentinels names it (None while they differ or
        while none of them answers)."""
        named: dict[int, int] = {}
        for port in self.sentinel_ports:
            with contextlib.suppress(redis.RedisError):
                address = _ask(port).sentinel_get_master_addr_by_name(self.name)
                if address:
                    named[int(address[1])] = named.get(int(address[1]), 0) + 1
        return next((port for port, votes in named.items() if votes >= QUORUM), None)

    def kill_master(self) -> None:
        """SIGKILL to the master's process: no shutdown, no last save, connections reset."""
        process = self.processes["master"]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def switch_over(self) -> None:
        """A planned switch (``SENTINEL FAILOVER``): the replica is promoted while the master
        still runs; the sentinels turn the old master into its replica some seconds later."""
        assert _ask(self.sentinel_ports[0]).sentinel_failover(self.name)

    def wait_for_promotion(self, timeout: float = 30) -> int:
        """The replica, once the sentinels name it master and it says so itself."""

        def promoted() -> bool:
            return (
                self.current_master() == self.replica_port
                and _ask(self.replica_port).info("replication")["role"] == "master"
            )

        _poll(promoted, timeout, "the sentinels to promote the replica", self.logs())
        return self.replica_port

    def wait_for_demotion(self, timeout: float = 30) -> None:
        """After a planned switch: the old master, once the sentinels made it the replica of
        the new one (8-10 s after the switch) and it is in sync."""

        def demoted() -> bool:
            state = _ask(self.master_port).info("replication")
            return state["role"] == "slave" and state.get("master_link_status") == "up"

        _poll(demoted, timeout, "the sentinels to demote the old master", self.logs())

    def client(self, port: int) -> redis.Redis:
        return _ask(port)

    def logs(self) -> list[Path]:
        return [self.folder / f"{label}.log" for label in self.processes]

    def stop(self) -> None:
        """TERM to each process we started (sentinels first, so none fails over meanwhile),
        then KILL what has not stopped within 10 s."""
        order = sorted(self.processes, key=lambda label: not label.startswith("sentinel"))
        for label in order:
            process = self.processes[label]
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for label in order:
            process = self.processes[label]
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
