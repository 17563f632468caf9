#!/usr/bin/env python3
"""Check `entente_core::npsort::numpy_argsort_avx2` against numpy itself.

Generates float64 arrays with many ties, records what `np.argsort(a)` returns
under AVX2 dispatch (the dispatch the parity corpus was produced with) and
runs the ignored Rust test `npsort_matches_numpy_cases` on them.

Usage (from the repository root):

    /work/negmas-venv/bin/python scripts/check_npsort.py              # everything
    /work/negmas-venv/bin/python scripts/check_npsort.py --small 5000 --large 20
    /work/negmas-venv/bin/python scripts/check_npsort.py --no-genius --out /tmp/c.bin --no-run

The case file holds, per array: n (u64), the n keys (f64), the n indices
numpy returned (i64), all little-endian.

`NPY_DISABLE_CPU_FEATURES` must be set before numpy is imported, so this
script sets it (to "X86_V4 AVX512_ICL", i.e. AVX2 dispatch on an AVX-512
machine) unless it is already set, and refuses to run if numpy still
dispatches to AVX-512.
"""

import argparse
import os
import struct
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("NPY_DISABLE_CPU_FEATURES", "X86_V4 AVX512_ICL")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DOMAINS = Path("/work/shared/domains")


def check_dispatch() -> None:
    from numpy._core._multiarray_umath import __cpu_features__ as feats

    if feats.get("AVX512_SKX") or not feats.get("AVX2"):
        sys.exit(f"numpy does not dispatch to AVX2 (AVX512_SKX={feats.get('AVX512_SKX')}, AVX2={feats.get('AVX2')})")
    if np.__version__ != "2.4.6":
        print(f"warning: numpy {np.__version__}, the emulation targets 2.4.6", file=sys.stderr)


def tied_array(rng: np.random.Generator, n: int) -> np.ndarray:
    """One array of length n from a random family; most families have ties."""
    kind = rng.integers(0, 10)
    if kind == 0:  # few distinct values
        return rng.integers(0, rng.integers(1, 6), n) / float(rng.integers(1, 10))
    if kind == 1:  # more distinct values, still tied
        return rng.integers(0, rng.integers(2, 60), n) / float(rng.integers(1, 13))
    if kind == 2:  # additive utilities over a small grid (like linear ufuns)
        k = int(rng.integers(1, 5))
        w = rng.dirichlet(np.ones(k))
        tables = [np.round(rng.uniform(0, 1, 6), int(rng.integers(0, 3))) for _ in range(k)]
        cols = rng.integers(0, 6, (n, k))
        return sum(w[j] * tables[j][cols[:, j]] for j in range(k))
    if kind == 3:  # nearly sorted with random swaps
        a = np.sort(rng.integers(0, max(2, n // int(rng.integers(1, 20))), n).astype(float))
        for _ in range(int(rng.integers(1, 4))):
            i, j = rng.integers(0, n, 2)
            a[i], a[j] = a[j], a[i]
        return a
    if kind == 4:  # reverse sorted with ties
        return np.sort(rng.integers(0, int(rng.integers(1, 30)), n).astype(float))[::-1].copy()
    if kind == 5:  # runs / organ pipe
        half = np.sort(rng.integers(0, 10, (n + 1) // 2)).astype(float)
        return np.concatenate([half, half[::-1]])[:n]
    if kind == 6:  # mostly one value
        a = np.zeros(n)
        m = int(rng.integers(0, max(1, n // 10) + 1))
        a[rng.integers(0, n, m)] = rng.integers(-3, 4, m)
        return a
    if kind == 7:  # continuous (no ties)
        return rng.normal(size=n)
    if kind == 8:  # zeros of both signs plus ties
        return rng.choice(np.array([-0.0, 0.0, 1.0, -1.0, 0.5]), n)
    # kind 9: periodic patterns
    p = int(rng.integers(1, 17))
    return (np.arange(n) % p).astype(float) / float(p)


def genius_arrays():
    """Utilities of every outcome of the GENIUS domains (as NegMAS presorts them)."""
    try:
        from negmas.inout import Scenario
    except ImportError:
        return
    for folder in sorted(p for p in DOMAINS.iterdir() if p.is_dir()):
        try:
            scenario = Scenario.from_genius_folder(folder, ignore_discount=True)
        except Exception as exc:  # noqa: BLE001
            print(f"skip {folder.name}: {exc}", file=sys.stderr)
            continue
        if scenario is None or scenario.outcome_space.cardinality > 1_000_000:
            continue
        outcomes = list(scenario.outcome_space.enumerate_or_sample())
        for ufun in scenario.ufuns:
            utils = np.asarray([float(ufun.eval(o)) for o in outcomes], dtype=float)
            yield f"{folder.name}", utils
            r = ufun.reserved_value
            if r is not None and np.isfinite(r):
                yield f"{folder.name} rational", utils[utils >= r]
            yield f"{folder.name} negated", -utils


def write_case(f, a: np.ndarray) -> None:
    a = np.ascontiguousarray(a, dtype=np.float64)
    idx = np.argsort(a).astype("<i8")
    f.write(struct.pack("<Q", a.size))
    f.write(a.astype("<f8").tobytes())
    f.write(idx.tobytes())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--small", type=int, default=20000, help="arrays of length 1..2000")
    ap.add_argument("--large", type=int, default=40, help="arrays of length 50k..400k")
    ap.add_argument("--seed", type=int, default=20240516)
    ap.add_argument("--no-genius", action="store_true", help="skip the GENIUS domain utilities")
    ap.add_argument("--out", type=Path, default=Path("/tmp/npsort_cases.bin"))
    ap.add_argument("--no-run", action="store_true", help="only write the case file")
    args = ap.parse_args()

    check_dispatch()
    rng = np.random.default_rng(args.seed)
    counts = {"small": 0, "large": 0, "genius": 0}
    with open(args.out, "wb") as f:
        for _ in range(args.small):
            write_case(f, tied_array(rng, int(rng.integers(1, 2001))))
            counts["small"] += 1
        for _ in range(args.large):
            write_case(f, tied_array(rng, int(rng.integers(50_000, 400_001))))
            counts["large"] += 1
        if not args.no_genius:
            for name, utils in genius_arrays():
                write_case(f, utils)
                counts["genius"] += 1
    total = sum(counts.values())
    print(f"wrote {total} cases to {args.out}: {counts}")
    if args.no_run:
        return
    cmd = ["cargo", "test", "-q", "-p", "entente-core", "--release", "--lib", "--",
           "--ignored", "--exact", "npsort::tests::npsort_matches_numpy_cases", "--nocapture"]
    env = dict(os.environ, NPSORT_CASES=str(args.out))
    sys.exit(subprocess.call(cmd, cwd=ROOT, env=env))


if __name__ == "__main__":
    main()
