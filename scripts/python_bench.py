#!/usr/bin/env python3
"""Negotiations per second through entente's Python API, on Ray, and under NegMAS, in one run.

    target/py-venv/bin/python scripts/python_bench.py [--negotiations N]

Install a release build first (cd python && maturin build --release, then pip install the wheel): the
wheel scripts/test builds is a debug build.

The same scenario (scenarios/car-purchase.toml, 325 outcomes, 60 rounds) and the same pairs of strategies
(Boulware, Conceder, Linear, Aspiration; every ordered pair, self-play included) everywhere:
- entente.run, one call a negotiation (the Python overhead of a call included);
- entente.tournament, one batch call, on 1 and 2 threads;
- entente.ray.tournament on a local Ray instance of 2 CPUs (its start not counted);
- NegMAS 0.16's SAOMechanism with its own negotiators, one negotiation after another.
"""

import argparse
import time
from pathlib import Path

import entente

ROOT = Path(__file__).resolve().parents[1]
STRATEGIES = ["boulware", "conceder", "linear", "aspiration"]
NEGMAS = {"boulware": "BoulwareTBNegotiator", "conceder": "ConcederTBNegotiator", "linear": "LinearTBNegotiator", "aspiration": "AspirationNegotiator"}


def rate(n, seconds):
    return f"{n / seconds:12,.0f}/s  ({n} negotiations in {seconds:.2f} s)"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--negotiations", type=int, default=32_000, help="size of the batch runs")
    ap.add_argument("--negmas", type=int, default=64, help="negotiations under NegMAS")
    args = ap.parse_args()
    sc = entente.load(ROOT / "scenarios" / "car-purchase.toml")
    pairs = [(a, b) for a in STRATEGIES for b in STRATEGIES]
    per_rep = len(pairs) * 2  # rotations of the preferences
    reps = max(1, args.negotiations // per_rep)
    n = reps * per_rep

    k = 2_000
    t = time.perf_counter()
    for i in range(k):
        a, b = pairs[i % len(pairs)]
        entente.run(sc, strategies={0: a, 1: b}, seed=i)
    print("entente.run, one call each      ", rate(k, time.perf_counter() - t))

    for threads in (1, 2):
        t = time.perf_counter()
        records = entente.tournament([sc], STRATEGIES, repetitions=reps, threads=threads, as_frame=False)
        assert len(records) == n
        print(f"entente.tournament, {threads} thread(s) ", rate(n, time.perf_counter() - t))

    try:
        import ray

        from entente import ray as entente_ray

        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        entente_ray.tournament([sc], STRATEGIES, repetitions=1, shards=2, as_frame=False)  # warm the workers
        t = time.perf_counter()
        records = entente_ray.tournament([sc], STRATEGIES, repetitions=reps, shards=8, as_frame=False)
        assert len(records) == n
        print("entente.ray.tournament, 2 CPUs  ", rate(n, time.perf_counter() - t))
        ray.shutdown()
    except ImportError:
        print("entente.ray.tournament: SKIPPED (ray is not installed)")

    try:
        import negmas.sao as sao

        from entente.negmas import negmas_mechanism
    except ImportError:
        print("NegMAS: SKIPPED (negmas is not installed)")
        return
    t = time.perf_counter()
    for i in range(args.negmas):
        a, b = pairs[i % len(pairs)]
        negmas_mechanism(sc, [getattr(sao, NEGMAS[a])(), getattr(sao, NEGMAS[b])()]).run()
    print("NegMAS SAOMechanism             ", rate(args.negmas, time.perf_counter() - t))


if __name__ == "__main__":
    main()
