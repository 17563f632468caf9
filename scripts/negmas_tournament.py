#!/usr/bin/env python3
"""NegMAS's cartesian_tournament on the configuration of `entente tournament-bench`.

Boulware, Linear, Conceder (TB) and naive tit-for-tat, self-play, rotated
preferences, random opposed scenarios of ISSUES x VALUES (the recipe of
scripts/negmas_bench.py, numpy numbers), n_steps rounds, end to end (NegMAS
writes its records and statistics to a temporary folder). Prints negotiations
per second.

Usage: negmas_tournament.py [--scenarios 2] [--repetitions 1] [--issues 3] [--values 10]
                            [--steps 100] [--njobs -1] [--json] [--from-json FILE]

--from-json FILE reads the scenarios instead of generating them: a list of
{"name", "issues": [{"name", "values": [labels]}], "parties": [{"name",
"weights": [...], "values": [[utility per value] per issue], "reservation"}]},
as `entente tournament-bench --negmas` writes them (entente's own random
scenarios, so both engines play the same ones, number for number).
Needs negmas==0.16.0. No test depends on it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from negmas_bench import make_scenario  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenarios", type=int, default=2)
    ap.add_argument("--repetitions", type=int, default=1)
    ap.add_argument("--issues", type=int, default=3)
    ap.add_argument("--values", type=int, default=10)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--njobs", type=int, default=-1, help="-1: serial (NegMAS's convention), 0: all cores")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--from-json", default=None, help="scenarios written by entente tournament-bench --negmas")
    a = ap.parse_args()

    from negmas import BoulwareTBNegotiator, ConcederTBNegotiator, LinearTBNegotiator
    from negmas.inout import Scenario
    from negmas.sao.negotiators import NaiveTitForTatNegotiator
    from negmas.tournaments.neg import cartesian_tournament

    scenarios = []
    if a.from_json:
        from negmas import make_issue
        from negmas.outcomes import make_os
        from negmas.preferences import LinearAdditiveUtilityFunction
        from negmas.preferences.value_fun import TableFun

        with open(a.from_json) as f:
            specs = json.load(f)
        for sc in specs:
            issues = [make_issue(values=list(i["values"]), name=i["name"]) for i in sc["issues"]]
            os_ = make_os(issues, name=sc["name"])
            ufuns = []
            for p in sc["parties"]:
                values = [
                    TableFun({label: float(u) for label, u in zip(i["values"], us)})
                    for i, us in zip(sc["issues"], p["values"])
                ]
                ufuns.append(
                    LinearAdditiveUtilityFunction(
                        values=values,
                        weights=[float(w) for w in p["weights"]],
                        outcome_space=os_,
                        reserved_value=float(p["reservation"]),
                        name=p["name"],
                    )
                )
            scenarios.append(Scenario(outcome_space=os_, ufuns=tuple(ufuns)))
    else:
        for k in range(a.scenarios):
            os_, ufuns = make_scenario(a.issues, a.values, k)
            scenarios.append(Scenario(outcome_space=os_, ufuns=tuple(ufuns)))
    competitors = [BoulwareTBNegotiator, LinearTBNegotiator, ConcederTBNegotiator, NaiveTitForTatNegotiator]
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        results = cartesian_tournament(
            competitors=competitors,
            scenarios=scenarios,
            n_repetitions=a.repetitions,
            n_steps=a.steps,
            rotate_ufuns=True,
            self_play=True,
            njobs=a.njobs,
            path=Path(tmp) / "t",
            verbosity=0,
            plot_fraction=0.0,
            save_scenario_figs=False,
        )
        seconds = time.perf_counter() - t0
    n = len(results.details)
    out = {"negotiations": n, "seconds": seconds, "per_second": n / seconds, "njobs": a.njobs}
    if a.json:
        print(json.dumps(out))
    else:
        print(f"NegMAS cartesian_tournament (njobs={a.njobs}): {n} negotiations in {seconds:.2f} s = {n / seconds:.1f}/s")


if __name__ == "__main__":
    main()
