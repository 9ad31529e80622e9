"""Where shards run: ``local`` (this process, one pipeline) or ``ray`` (Ray Data).

Ray: a dataset of shard descriptors, one a block, through ``map_batches`` with a fixed pool of
``workers`` actors (``ActorPoolStrategy``), each reserving ``cpus_per_worker`` CPUs and loading
the pipeline once in its constructor. A dead actor is restarted (Ray Data's default for actor
pools) and the shards it held are run again on the new one, up to ``SHARD_ATTEMPTS`` times each
(Ray's default is without end, so a shard that kills its worker every time would never end the
job); since a shard's output is one part file replaced atomically (``shards.py``), a retried
shard overwrites rather than duplicates. A shard out of attempts fails the run (``ShardFailed``);
the complete shards stay for ``--resume``.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from collections.abc import Callable, Sequence

from service.backfill.shards import Shard
from service.backfill.worker import ShardWorker, WorkerOptions

OnDone = Callable[[dict], None]

SHARD_ATTEMPTS = 4  # runs of one shard on Ray (the first and three retries) before the run fails


class ShardFailed(RuntimeError):
    """A shard could not be done (its worker died ``SHARD_ATTEMPTS`` times, or raised)."""


def run_local(pending: Sequence[Shard], options: WorkerOptions, on_done: OnDone, *,
              parser=None) -> None:
    """Each shard in turn on one pipeline in this process (``parser``: one already loaded)."""
    if not pending:
        return
    worker = ShardWorker(options, parser=parser)
    for shard in pending:
        on_done(worker.process(shard))


class RayShardWorker:
    """The Ray Data actor: one ``ShardWorker`` (one model copy) per actor, loaded once."""

    def __init__(self, options: WorkerOptions) -> None:
        self.worker = ShardWorker(options)

    def __call__(self, batch: dict) -> dict:
        import numpy as np

        stats = [json.dumps(self.worker.process(Shard.from_json(str(item))))
                 for item in batch["shard"]]
        return {"stats": np.array(stats, dtype=object)}


#: A local Ray instance started by ``quotes batch`` (no --address): quiet and small.
LOCAL_RAY_ENV = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_DEDUP_LOGS": "1"}
LOCAL_OBJECT_STORE_BYTES = 256 * 2**20  # shard descriptors and counts only travel through it


def init_ray(address: str | None, num_cpus: int | None = None) -> bool:
    """Connect to ``address`` (a running cluster; "auto" inside one) or start a local instance
    with this machine's CPUs; True when this call started it (then ``ray.shutdown()`` it)."""
    import ray

    if ray.is_initialized():
        return False
    for key, value in LOCAL_RAY_ENV.items():
        os.environ.setdefault(key, value)
    if address:
        ray.init(address=address, log_to_driver=False, configure_logging=False)
    else:
        ray.init(num_cpus=num_cpus or os.cpu_count(), include_dashboard=False,
                 object_store_memory=LOCAL_OBJECT_STORE_BYTES, log_to_driver=False,
                 configure_logging=False)
    return True


def run_ray(pending: Sequence[Shard], options: WorkerOptions, on_done: OnDone, *,
            address: str | None, workers: int | None, cpus_per_worker: float,
            num_cpus: int | None = None) -> int:
    """The shards on a pool of ``workers`` Ray actors (None: as many as the cluster's CPUs
    hold, ``cpus_per_worker`` each) on a local Ray started here or the cluster at ``address``;
    the number of actors."""
    import ray
    import ray.data

    started = init_ray(address, num_cpus)
    try:
        if workers is None:
            cpus = ray.cluster_resources().get("CPU", 1)
            workers = max(1, int(cpus // cpus_per_worker))
        if not pending:
            return workers
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = sys.stderr.isatty()
        context.print_on_execution_start = False
        dataset = ray.data.from_items([{"shard": shard.to_json()} for shard in pending],
                                      override_num_blocks=len(pending))
        with warnings.catch_warnings():
            # Ray 2.60 (pinned) names no parameter for a task's retries yet and warns about the
            # remote args that carry them
            warnings.filterwarnings("ignore", message="`ray_remote_args` is deprecated")
            results = dataset.map_batches(
                RayShardWorker, fn_constructor_kwargs={"options": options}, batch_size=1,
                compute=ray.data.ActorPoolStrategy(size=workers), num_cpus=cpus_per_worker,
                batch_format="numpy", max_task_retries=SHARD_ATTEMPTS - 1)
        try:
            for row in results.iter_rows():
                on_done(json.loads(row["stats"]))
        except ray.exceptions.RayError as error:
            raise ShardFailed(f"a shard failed on Ray after up to {SHARD_ATTEMPTS} attempts: "
                              f"{str(error).splitlines()[0] if str(error) else type(error).__name__}"
                              ) from error
        return workers
    finally:
        if started:
            ray.shutdown()
