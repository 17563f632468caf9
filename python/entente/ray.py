"""Tournaments and sweeps on a Ray cluster: the shards of one tournament, or of one sweep, as Ray tasks.

    import ray, entente, entente.ray
    ray.init()                                    # or ray.init(address="auto") on a cluster
    records = entente.ray.tournament([sc], ["boulware", "conceder"], repetitions=100, shards=16)

A tournament's negotiations are numbered; shard ``i/k`` is a contiguous range
of them and its records do not depend on where or on how many threads it runs
(the seeds come from the tournament's seed and each negotiation's id). Each
shard is one Ray task that sizes its thread pool to the CPUs Ray granted it; a
task that fails is retried (``retries`` times, exceptions included) and reruns
its whole shard, whose records replace nothing: the merge takes exactly one
result per shard and checks that the ids are those of the whole tournament,
each once, in order. The result is identical, record for record, to
``entente.tournament`` in one process.

Scenarios travel to the tasks pickled (as entente TOML), once, through Ray's
object store.

:func:`sweep` does the same for ``entente.sweep``: shard ``i/k`` is a
contiguous range of the sweep's settings (each setting runs whole in one task),
the merge is :func:`entente.merge_sweep` (it checks that the parts are the
shards ``1/k … k/k`` of one sweep), and the result is identical, setting for
setting, to ``entente.sweep`` in one process.
"""

from __future__ import annotations

from typing import Any, List, Mapping, Optional, Sequence, Union

import entente

__all__ = ["tournament", "merge", "sweep"]


def _threads(shard, fail_once):
    """The threads of this task (the CPUs Ray granted it); for tests, the first attempt of a shard fails."""
    import os

    import ray

    if fail_once is not None and not os.path.exists(fail_once):
        # For tests: the first attempt of this shard fails after leaving a mark.
        with open(fail_once, "w") as f:
            f.write(shard)
        raise RuntimeError(f"shard {shard}: injected failure")
    cpus = ray.get_runtime_context().get_assigned_resources().get("CPU", 1)
    return max(1, int(cpus))


def _run_shard(scenarios, strategies, shard, kwargs, fail_once=None):
    """One shard, on the CPUs Ray granted this task."""
    threads = _threads(shard, fail_once)
    return entente.tournament(scenarios, strategies, shard=shard, threads=threads, as_frame=False, **kwargs)


def _run_sweep_shard(base, vary, shard, kwargs, fail_once=None):
    """One shard of a sweep, on the CPUs Ray granted this task: its document (a dict)."""
    threads = _threads(shard, fail_once)
    return entente.sweep(base, vary, shard=shard, threads=threads, **kwargs).doc


def _shards(ray, shards, cpus_per_shard):
    k = shards if shards is not None else max(1, int(ray.cluster_resources().get("CPU", 1) // max(cpus_per_shard, 1)))
    if k < 1:
        raise ValueError("shards must be at least 1")
    return k


def merge(parts: Sequence[List[dict]]) -> List[dict]:
    """The records of the shards ``1/k`` … ``k/k`` (in order) as one tournament's.

    Raises ``ValueError`` if an id is missing, repeated or out of order.
    """
    records = [r for part in parts for r in part]
    ids = [r["id"] for r in records]
    if ids != list(range(len(ids))):
        seen = set()
        dup = next((i for i in ids if i in seen or seen.add(i)), None)
        raise ValueError(
            f"the shards do not make one tournament: {len(ids)} records"
            + (f", id {dup} twice" if dup is not None else ", ids not 0..n-1 in order")
        )
    return records


def tournament(
    scenarios: Sequence[Any],
    strategies: Sequence[Union[str, Mapping[str, Any]]],
    *,
    shards: Optional[int] = None,
    cpus_per_shard: float = 1,
    retries: int = 3,
    as_frame: Optional[bool] = None,
    output: Optional[str] = None,
    _fail_once: Optional[str] = None,
    **kwargs,
):
    """Runs a tournament as ``shards`` Ray tasks (default: the cluster's CPUs) and merges their records.

    ``kwargs`` are :func:`entente.tournament`'s (``repetitions``, ``self_play``,
    ``rotate_preferences``, ``seed``, ``n_steps``). Each task asks Ray for
    ``cpus_per_shard`` CPUs and runs that many threads. Returns the records as
    :func:`entente.tournament` does (``output``/``as_frame``: a list, a pandas DataFrame or a pyarrow Table).
    """
    import ray

    if not ray.is_initialized():
        raise RuntimeError("call ray.init(...) first (ray.init(address='auto') to join a cluster)")
    for bad in ("shard", "threads"):
        if bad in kwargs:
            raise TypeError(f"{bad}: entente.ray.tournament decides the shards and their threads")
    k = _shards(ray, shards, cpus_per_shard)
    task = ray.remote(_run_shard).options(num_cpus=cpus_per_shard, max_retries=retries, retry_exceptions=True)
    scenarios_ref = ray.put(list(scenarios))
    strategies = [dict(s) if isinstance(s, Mapping) else s for s in strategies]
    refs = [
        task.remote(scenarios_ref, strategies, f"{i}/{k}", kwargs, _fail_once if i == 1 else None)
        for i in range(1, k + 1)
    ]
    records = merge(ray.get(refs))
    return entente.records_as(records, entente._output(as_frame, output))


def sweep(
    base: Any,
    vary: Union[str, Sequence[str]],
    *,
    shards: Optional[int] = None,
    cpus_per_shard: float = 1,
    retries: int = 3,
    _fail_once: Optional[str] = None,
    **kwargs,
) -> "entente.SweepResult":
    """Runs a sweep as ``shards`` Ray tasks (default: the cluster's CPUs) and merges them.

    ``base`` and ``vary`` and ``kwargs`` are :func:`entente.sweep`'s (``changes``,
    ``strategies``, ``draws``, ``repetitions``, ``seed``, ``level``); a path
    as ``base`` must be readable where the tasks run (a :class:`entente.Scenario`
    travels pickled). Each task runs a contiguous part of the settings on
    ``cpus_per_shard`` CPUs; a failed task is retried ``retries`` times. The
    result is identical, setting for setting, to :func:`entente.sweep`.
    """
    import os

    import ray

    if not ray.is_initialized():
        raise RuntimeError("call ray.init(...) first (ray.init(address='auto') to join a cluster)")
    for bad in ("shard", "threads"):
        if bad in kwargs:
            raise TypeError(f"{bad}: entente.ray.sweep decides the shards and their threads")
    k = _shards(ray, shards, cpus_per_shard)
    if isinstance(vary, str):
        vary = [vary]
    if not isinstance(base, entente.Scenario):
        base = os.fspath(base)
    task = ray.remote(_run_sweep_shard).options(num_cpus=cpus_per_shard, max_retries=retries, retry_exceptions=True)
    base_ref = ray.put(base)
    refs = [
        task.remote(base_ref, list(vary), f"{i}/{k}", kwargs, _fail_once if i == 1 else None) for i in range(1, k + 1)
    ]
    return entente.merge_sweep(ray.get(refs))
