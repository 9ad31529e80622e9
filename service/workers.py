"""Worker processes: N servers, each with its own models, on one port (``--workers N``).

One process keeps about two cores busy (``--parallel-batches`` batches overlap their torch work
with each other's Python, which the GIL runs one thread at a time), so a machine with more cores
than ``--torch-threads`` x ``--parallel-batches`` serves more with more processes. As in
gRPC's Python multiprocessing example, every worker binds the same port with SO_REUSEPORT and the
kernel spreads incoming connections over them.

The parent process loads no models. It:
- reserves the port, starts the workers (``multiprocessing`` "spawn": fresh interpreters, no
  forked torch or gRPC state) and tells them to report SERVING only once every one of them has
  loaded and warmed up its models, so a health check never says SERVING for a half-ready pod;
- serves one ``/metrics`` for all of them (prometheus_client's multiprocess mode: each worker
  writes its series to files in a private folder; the parent adds them up), plus the CPU and
  memory of the whole process tree;
- on SIGTERM/SIGINT passes the signal on, waits for every worker's graceful shutdown, and exits;
  if a worker dies, it stops the others and exits non-zero so the orchestrator restarts the pod.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from service.metrics import MULTIPROC_ENV, metrics_url
from service.settings import Settings

log = logging.getLogger(__name__)

# A worker past the grace period is cancelling its calls; give it this long to exit.
_EXIT_MARGIN = 10.0


def available_cpus() -> int:
    """CPUs this process may use: its affinity mask, bounded by a cgroup CPU quota (containers
    see the host's core count in ``os.cpu_count()``)."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cpus = cpus or 1
    try:  # cgroup v2: "max 100000" or "200000 100000"
        with open("/sys/fs/cgroup/cpu.max", encoding="ascii") as f:
            quota, period = f.read().split()
        if quota != "max":
            cpus = min(cpus, max(1, int(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return cpus


def default_workers(torch_threads: int, parallel_batches: int = 1) -> int:
    """One worker per ``torch_threads`` x ``parallel_batches`` available CPUs, at least one."""
    return max(1, available_cpus() // (torch_threads * parallel_batches))


@contextmanager
def reserved_port(host: str, port: int) -> Iterator[int]:
    """Hold ``host:port`` (0: a free one) with SO_REUSEPORT while the workers bind it too."""
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host.strip("[]"), port))
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


def _worker_main(settings: Settings, index: int, ready: Any, go: Any) -> None:
    """One worker: a QuoteServer on the shared port, SERVING once ``go`` is set."""
    from service.logs import configure_logging
    from service.server import QuoteServer

    configure_logging(settings.log_format, settings.log_level)
    logging.getLogger().handlers[0].addFilter(_WorkerTag(index))
    server = QuoteServer(settings, reuse_port=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    _stop_when_orphaned(stop, index)
    server.start()
    try:
        server.load_models(serve=False)
    except Exception:  # noqa: BLE001 - the parent sees the exit code
        log.exception("worker %d could not load the models", index)
        server.stop(0).wait()
        raise SystemExit(1)
    ready.set()
    while not (go.wait(0.2) or stop.is_set()):
        pass
    if not stop.is_set():
        server.mark_serving()
    stop.wait()
    server.stop().wait()
    server.exit_now_if_parsing()
    log.info("worker %d stopped", index)


def _stop_when_orphaned(stop: threading.Event, index: int, every: float = 1.0) -> None:
    """Stop the worker when its parent is gone. A parent killed outright (SIGKILL, the OOM
    killer) cannot stop its workers, and they would go on serving the port unsupervised, with
    no metrics endpoint, after the parent's supervisor (systemd, a test) believes it stopped."""
    parent = os.getppid()

    def watch() -> None:
        while not stop.wait(every):
            if os.getppid() != parent:
                log.warning("worker %d: the server process %d is gone; stopping", index, parent)
                stop.set()

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


class _WorkerTag(logging.Filter):
    def __init__(self, index: int) -> None:
        super().__init__()
        self.index = index

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = f"[worker {self.index}] {record.msg}"
        return True


class ProcessTreeCollector:
    """``process_cpu_seconds_total`` and ``process_resident_memory_bytes`` of the parent and all
    workers together (the pod's figures), and each worker's resident memory."""

    def __init__(self, pids: Any) -> None:
        self._pids = pids  # callable: the workers' pids now
        self._ticks = os.sysconf("SC_CLK_TCK")
        self._page = os.sysconf("SC_PAGE_SIZE")

    def _stat(self, pid: int) -> tuple[float, int] | None:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        # after the ")": state is field 0; utime 11, stime 12, rss (pages) 21
        return (int(fields[11]) + int(fields[12])) / self._ticks, int(fields[21]) * self._page

    def collect(self):
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        cpu = CounterMetricFamily("process_cpu_seconds", "CPU seconds of the server's processes "
                                  "(parent and workers).")
        rss = GaugeMetricFamily("process_resident_memory_bytes",
                                "Resident memory of the server's processes (parent and workers).")
        per_worker = GaugeMetricFamily("quotes_worker_resident_memory_bytes",
                                       "Resident memory of each worker process.",
                                       labels=["worker"])
        total_cpu, total_rss = 0.0, 0
        own = self._stat(os.getpid())
        if own:
            total_cpu, total_rss = own
        for index, pid in enumerate(self._pids()):
            stat = self._stat(pid) if pid else None
            if stat is None:
                continue
            total_cpu += stat[0]
            total_rss += stat[1]
            per_worker.add_metric([str(index)], stat[1])
        cpu.add_metric([], total_cpu)
        rss.add_metric([], total_rss)
        yield from (cpu, rss, per_worker)


def serve_workers(settings: Settings, workers: int) -> int:
    """Run ``workers`` worker processes until SIGTERM/SIGINT; returns the exit status."""
    from prometheus_client import CollectorRegistry, start_http_server
    from prometheus_client import multiprocess

    metrics_dir = tempfile.mkdtemp(prefix="quotes-metrics-")
    os.environ[MULTIPROC_ENV] = metrics_dir  # inherited by the spawned workers
    context = multiprocessing.get_context("spawn")
    stop = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        log.info("received %s", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    processes: list[Any] = []
    http = None
    try:
        with reserved_port(settings.host, settings.port) as port:
            worker_settings = settings.replace(port=port, metrics_port=None)
            go = context.Event()
            readies = []
            for index in range(workers):
                ready = context.Event()
                process = context.Process(target=_worker_main, name=f"quotes-worker-{index}",
                                          args=(worker_settings, index, ready, go))
                process.start()
                processes.append(process)
                readies.append(ready)
            log.info("started %d workers on %s:%d", workers, settings.host, port)
            if settings.metrics_port is not None:
                registry = CollectorRegistry()
                multiprocess.MultiProcessCollector(registry)
                registry.register(ProcessTreeCollector(lambda: [p.pid for p in processes]))
                http, _thread = start_http_server(settings.metrics_port,
                                                  addr=settings.metrics_host or "0.0.0.0",
                                                  registry=registry)
                log.info("metrics of all workers on %s",
                         metrics_url(settings.metrics_host, http.server_port))
            status = _supervise(processes, readies, go, stop)
            for process in processes:
                if process.is_alive():
                    os.kill(process.pid, signal.SIGTERM)
            deadline = time.monotonic() + settings.grace_seconds + _EXIT_MARGIN
            for process in processes:
                process.join(max(0.0, deadline - time.monotonic()))
                if process.is_alive():
                    log.error("worker %s did not stop in time; killing it", process.name)
                    process.kill()
                    process.join()
                    status = 1
                elif process.exitcode not in (0, -signal.SIGTERM):
                    status = 1
                multiprocess.mark_process_dead(process.pid, metrics_dir)
            log.info("stopped")
            return status
    finally:
        if http is not None:
            http.shutdown()
            http.server_close()
        for process in processes:
            if process.is_alive():
                process.kill()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        shutil.rmtree(metrics_dir, ignore_errors=True)


def _supervise(processes: list[Any], readies: list[Any], go: Any, stop: threading.Event) -> int:
    """Release the workers to SERVING once all are ready; wait for a stop or a worker's death."""
    released = False
    while not stop.wait(0.2):
        dead = [p for p in processes if not p.is_alive()]
        if dead:
            log.error("worker %s exited with %s; stopping the others", dead[0].name,
                      dead[0].exitcode)
            return 1
        if not released and all(ready.is_set() for ready in readies):
            go.set()
            released = True
            log.info("all %d workers ready: SERVING", len(processes))
    return 0
