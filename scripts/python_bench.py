#!/usr/bin/env python3
"""Negotiations per second through entente's Python API, on Ray, and under NegMAS, in one run.

    target/py-venv/bin/python scripts/python_bench.py [--negotiations N] [--negmas-repetitions R]

Install a release build first (cd python && maturin build --release, then pip install the wheel): the
wheel scripts/test builds is a debug build.

The same scenario (scenarios/car-purchase.toml, 325 outcomes, 60 rounds) and the same pairs of strategies
(Boulware, Conceder, Linear, Aspiration; every ordered pair, self-play included) everywhere:
- entente.run, one call a negotiation (the Python overhead of a call included);
- entente.tournament, one batch call, on 1 and 2 threads;
- entente.sweep, one batch call (a grid of the buyer's reservation value x the dealer's strategy, each
  setting run many times), on 1 and 2 threads; entente.ray.sweep on the same Ray instance;
- entente.ray.tournament on a local Ray instance of 2 CPUs (its start not counted);
- NegMAS 0.16's SAOMechanism with its own negotiators, one negotiation after another;
- NegMAS 0.16's own tournament, cartesian_tournament, with the same four strategies (NegMAS's classes),
  self-play and rotated preferences on the same scenario (entente's utilities as NegMAS utility
  functions), serial (njobs=-1), writing its records to a temporary folder, as entente's tournament
  is timed with its records in memory.
"""

import argparse
import tempfile
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
    ap.add_argument("--negmas", type=int, default=64, help="negotiations under NegMAS's SAOMechanism")
    ap.add_argument("--negmas-repetitions", type=int, default=2, help="repetitions of NegMAS's cartesian_tournament")
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

    # A sweep of the same size: 10 reservation values x 4 dealer strategies, each setting `sweep_reps` times.
    vary = ["reservation buyer={0:0.9:0.1}", "strategy dealer={boulware,conceder,linear,aspiration}"]
    sweep_reps = max(1, n // 40)
    ns = 40 * sweep_reps
    for threads in (1, 2):
        t = time.perf_counter()
        swept = entente.sweep(sc, vary, repetitions=sweep_reps, threads=threads)
        assert sum(s["runs"] for s in swept.settings) == ns
        print(f"entente.sweep, {threads} thread(s)      ", rate(ns, time.perf_counter() - t))

    try:
        import ray

        from entente import ray as entente_ray

        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        entente_ray.tournament([sc], STRATEGIES, repetitions=1, shards=2, as_frame=False)  # warm the workers
        t = time.perf_counter()
        records = entente_ray.tournament([sc], STRATEGIES, repetitions=reps, shards=8, as_frame=False)
        assert len(records) == n
        print("entente.ray.tournament, 2 CPUs  ", rate(n, time.perf_counter() - t))
        t = time.perf_counter()
        on_ray = entente_ray.sweep(sc, vary, repetitions=sweep_reps, shards=8)
        assert on_ray.doc == swept.doc
        print("entente.ray.sweep, 2 CPUs       ", rate(ns, time.perf_counter() - t))
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

    from negmas.inout import Scenario as NegmasScenario
    from negmas.tournaments.neg import cartesian_tournament

    from entente.negmas import outcome_space, ufuns

    os_ = outcome_space(sc)
    scenario = NegmasScenario(outcome_space=os_, ufuns=tuple(ufuns(sc, os_)))
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        results = cartesian_tournament(
            competitors=[getattr(sao, NEGMAS[s]) for s in STRATEGIES],
            scenarios=[scenario],
            n_repetitions=args.negmas_repetitions,
            n_steps=sc.n_steps,
            rotate_ufuns=True,
            self_play=True,
            njobs=-1,
            path=Path(tmp) / "t",
            verbosity=0,
            plot_fraction=0.0,
            save_scenario_figs=False,
        )
        seconds = time.perf_counter() - t
    print("NegMAS cartesian_tournament     ", rate(len(results.details), seconds))


if __name__ == "__main__":
    main()
