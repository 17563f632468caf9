#!/usr/bin/env python3
"""Times NegMAS 0.16's Pareto frontier + Nash point on random 2-party utilities.

The utilities are the ones `entente`'s analysis benchmark uses
(crates/entente-cli/src/analyze_bench.rs), bit for bit:

    splitmix64(z): z += 0x9E3779B97F4A7C15; z = (z ^ z>>30) * 0xBF58476D1CE4E5B9;
                   z = (z ^ z>>27) * 0x94D049BB133111EB; return z ^ z>>31   (mod 2^64)
    u_p[i] = (splitmix64(seed << 48 ^ p << 40 ^ i) >> 11) * 2^-53     (p = 0, 1)

NegMAS sees them as one issue with N values and, per party, a
LinearAdditiveUtilityFunction with a TableFun over it, weight 1, no
reservation value (0.0 + 1.0 * v == v, so NegMAS's utilities are these numbers).

Figures per size N:
  * negmas_total: pareto_frontier(ufuns, issues=...) + nash_points(...), the
    documented NegMAS path (evaluates the ufuns on every outcome, then
    pareto_frontier_numpy); this is the "16 s for 10^6" of the reference;
  * negmas_core: pareto_frontier_numpy on the prebuilt (N, 2) array + nash_points
    with the ranges given (NegMAS's algorithm without ufun evaluation).
It prints the frontier size and the Nash point so they can be compared with
entente's (they must be identical).

With --additive ISSUESxVALUES (e.g. 6x10: 10^6 outcomes) it also times the same
two calls on linear additive utilities, the case entente's benchmark calls
"additive 6x10, random values", with the same numbers:

    value utility of party p, issue k, value j: uniform(seed, p, 1<<36 ^ k<<20 ^ j)
    weights: raw_k = uniform(seed, p, 1<<37 ^ k), w_k = raw_k / (raw_0 + raw_1 + ...)

With --entente BINARY (the `entente` binary: `cargo build --release -p entente-cli`,
then target/release/entente; its `bench-analysis` subcommand) it runs entente on the same sizes right after NegMAS, prints both side
by side with the ratio, and checks that frontier sizes and Nash points are identical.

Usage: negmas_analysis_bench.py [--sizes 10000,100000,1000000] [--additive 6x10] [--seed 1]
                                [--entente target/release/entente] [--json]
Needs negmas==0.16.0 (e.g. /work/negmas-venv/bin/python). No test depends on it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

MASK = (1 << 64) - 1


def utilities(n: int, seed: int, party: int) -> np.ndarray:
    with np.errstate(over="ignore"):
        z = np.arange(n, dtype=np.uint64) ^ np.uint64(((seed << 48) ^ (party << 40)) & MASK)
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * 2.0**-53


def uniform(seed: int, party: int, i: int) -> float:
    z = (((seed << 48) ^ (party << 40) ^ i) + 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    z ^= z >> 31
    return (z >> 11) * 2.0**-53


def bench_additive(n_issues: int, n_values: int, seed: int) -> dict:
    from negmas import make_issue
    from negmas.outcomes import make_os
    from negmas.preferences import LinearAdditiveUtilityFunction
    from negmas.preferences.ops import nash_points, pareto_frontier
    from negmas.preferences.value_fun import TableFun

    issues = [make_issue(values=n_values, name=f"i{k}") for k in range(n_issues)]
    os_ = make_os(issues)
    ufuns = []
    for p in range(2):
        raw = [uniform(seed, p, (1 << 37) ^ k) for k in range(n_issues)]
        s = 0.0
        for x in raw:
            s += x
        weights = [x / s for x in raw]
        values = [
            TableFun({j: uniform(seed, p, (1 << 36) ^ (k << 20) ^ j) for j in range(n_values)}) for k in range(n_issues)
        ]
        ufuns.append(LinearAdditiveUtilityFunction(values=values, weights=weights, outcome_space=os_))
    t0 = time.perf_counter()
    front, _idx = pareto_frontier(ufuns, issues=os_.issues)
    nash = nash_points(ufuns, front, outcome_space=os_)
    total = time.perf_counter() - t0
    return {
        "case": f"additive {n_issues}x{n_values}",
        "outcomes": n_values**n_issues,
        "negmas_total_s": total,
        "frontier": len(front),
        "nash": [list(map(float, p)) for p, _ in nash],
    }


def bench(n: int, seed: int) -> dict:
    from negmas import make_issue
    from negmas.outcomes import make_os
    from negmas.preferences import LinearAdditiveUtilityFunction
    from negmas.preferences.ops import nash_points, pareto_frontier, pareto_frontier_numpy
    from negmas.preferences.value_fun import TableFun

    u = [utilities(n, seed, p) for p in range(2)]
    issue = make_issue(values=n, name="x")
    os_ = make_os([issue])
    ufuns = [
        LinearAdditiveUtilityFunction(
            values=[TableFun({i: float(x) for i, x in enumerate(up)})], weights=[1.0], outcome_space=os_
        )
        for up in u
    ]
    t0 = time.perf_counter()
    front, _idx = pareto_frontier(ufuns, issues=os_.issues)
    nash = nash_points(ufuns, front, outcome_space=os_)
    total = time.perf_counter() - t0

    points = np.stack(u, axis=1)
    ranges = [(float(x.min()), float(x.max())) for x in u]
    t0 = time.perf_counter()
    idx = pareto_frontier_numpy(points)
    front_core = [tuple(map(float, points[i])) for i in idx]
    nash_core = nash_points(ufuns, front_core, ranges=ranges)
    core = time.perf_counter() - t0
    assert [tuple(p) for p in front] == front_core
    return {
        "outcomes": n,
        "negmas_total_s": total,
        "negmas_core_s": core,
        "frontier": len(front),
        "nash": [list(map(float, p)) for p, _ in nash],
        "nash_core": [list(map(float, p)) for p, _ in nash_core],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--additive", default=None, help="ISSUESxVALUES, e.g. 6x10")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--entente", default=None, help="entente's analysis benchmark binary")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    import negmas

    results = [bench(int(s), args.seed) for s in args.sizes.split(",") if s]
    additive = None
    if args.additive:
        i, v = (int(x) for x in args.additive.lower().split("x"))
        additive = bench_additive(i, v, args.seed)
    ours = None
    if args.entente:
        import subprocess

        cmd = [args.entente, "bench-analysis", "--json", "--sizes", args.sizes, "--seed", str(args.seed)]
        if args.additive:
            cmd += ["--additive", args.additive]
        ours = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    if args.json:
        out = {"negmas": negmas.__version__, "seed": args.seed, "results": results, "additive": additive, "entente": ours}
        print(json.dumps(out, indent=1))
    else:
        print(f"NegMAS {negmas.__version__}, seed {args.seed}")
        for r in results:
            print(
                f"{r['outcomes']:>10} outcomes: pareto_frontier + nash_points {r['negmas_total_s']:9.3f} s"
                f" (numpy core {r['negmas_core_s']:8.3f} s); frontier {r['frontier']}, Nash {r['nash']}"
            )
        if additive:
            a = additive
            print(
                f"{a['case']} ({a['outcomes']} outcomes): pareto_frontier + nash_points {a['negmas_total_s']:9.3f} s;"
                f" frontier {a['frontier']}, Nash {a['nash']}"
            )
    if ours is not None and not args.json:
        side_by_side(results, additive, ours)
    return 0


def side_by_side(results: list, additive: dict | None, ours: list) -> None:
    def find(case: str, method: str) -> dict | None:
        return next((f for f in ours if f["case"] == case and f["method"].startswith(method)), None)

    print()
    print(f"{'case':<42} {'NegMAS':>12} {'entente':>12} {'ratio':>10}  same frontier and Nash")
    rows = []
    for r in results:
        case = f"random, 2 parties, {r['outcomes']} outcomes"
        rows.append((case, r["negmas_total_s"], r, find(case, "Pareto + Nash")))
    if additive:
        rows.append((f"{additive['case']}, enumerated", additive["negmas_total_s"], additive,
                     find(f"{additive['case']}, random values", "enumerated")))
        rows.append((f"{additive['case']}, additive merge", additive["negmas_total_s"], additive,
                     find(f"{additive['case']}, random values", "additive merge")))
    for name, t, r, f in rows:
        if f is None:
            print(f"{name:<42} {t:>11.3f}s {'-':>12}")
            continue
        e = f["best_ms"] / 1e3
        same = f["frontier"] == r["frontier"] and f["nash"] == r["nash"]
        print(f"{name:<42} {t:>11.3f}s {e * 1e3:>10.3f}ms {t / e:>9.0f}x  {'yes' if same else 'NO'}")


if __name__ == "__main__":
    sys.exit(main())
