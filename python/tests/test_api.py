"""The Python API against the engine: scenarios, runs, analysis, talks, tournaments."""

import json
import subprocess

import pytest

import entente
from conftest import ROOT, SCENARIOS, need


def test_load_every_repository_scenario():
    for path in sorted(SCENARIOS.glob("*.toml")):
        sc = entente.load(path)
        assert sc.name and len(sc.parties) >= 2
        assert sc.n_outcomes == len(entente.utilities(sc))


def test_scenario_accessors(car):
    assert car.parties == ["buyer", "dealer"]
    assert [name for name, _ in car.issues] == ["price", "warranty_months", "delivery_weeks"]
    sizes = [len(values) for _, values in car.issues]
    assert car.n_outcomes == sizes[0] * sizes[1] * sizes[2]
    # The last issue varies fastest (NegMAS's and itertools' order).
    assert car.outcome(1) == {"price": car.issues[0][1][0], "warranty_months": car.issues[1][1][0], "delivery_weeks": car.issues[2][1][1]}
    for i in (0, 1, 77, car.n_outcomes - 1):
        assert car.index_of(car.outcome(i)) == i
        assert car.index_of(list(car.outcome(i).values())) == i
    assert "car" in repr(car).lower()
    changed = car.with_(n_steps=7, seed=3, strategies={"buyer": "linear"})
    assert (changed.n_steps, changed.seed) == (7, 3)
    assert changed.strategies[0]["name"] == "linear"
    assert car.n_steps != 7  # the original is unchanged


def test_run_is_seeded_and_consistent(car):
    a = entente.run(car, seed=5)
    b = entente.run(car, seed=5)
    assert a.trace == b.trace and a.agreement == b.agreement
    assert a.end["reason"] == "agreement"
    assert a.agreement == car.outcome(a.agreement_index)
    u = entente.utilities(car)
    assert list(u[a.agreement_index]) == a.utilities
    for o in a.offers:
        assert list(u[o.outcome_index]) == o.utilities
    assert a.offer_utilities().shape == (len(a.offers), 2)


def test_random_strategy_depends_on_the_seed_only(car):
    s = {0: "random", 1: "random"}
    runs = {tuple(entente.run(car, strategies=s, seed=k).trace) for k in range(4)}
    assert len(runs) > 1
    assert entente.run(car, strategies=s, seed=2).trace == entente.run(car, strategies=s, seed=2).trace


def test_run_matches_the_cli(car):
    """The same document as `entente run --json` (when the CLI binary is built)."""
    from conftest import cli_binary

    exe = str(cli_binary())
    path = str(SCENARIOS / "car-purchase.toml")
    cli = json.loads(subprocess.run([exe, "run", path, "--json", "--seed", "9", "--strategy", "buyer=tit-for-tat"], check=True, capture_output=True, text=True).stdout)
    py = entente.run(car, seed=9, strategies={"buyer": "tit-for-tat"}).doc
    assert py == json.loads(json.dumps(cli))


def test_strategies_by_name_dict_and_index(car):
    r1 = entente.run(car, strategies={"buyer": {"name": "time-based", "exponent": 2.0}, 1: "tough"}, n_steps=20)
    r2 = entente.run(car, strategies={0: {"name": "time-based", "exponent": 2.0}, "dealer": "tough"}, n_steps=20)
    assert r1.trace == r2.trace
    assert max(o.round for o in r1.offers) < 20


def test_analysis(car):
    np = need("numpy")
    a = entente.analyze(car)
    assert a["schema"] == "entente.analysis/2"
    assert isinstance(a.frontier, np.ndarray) and a.frontier.shape[1] == 2
    # Brute force: the frontier is the set of non-dominated utility vectors.
    u = entente.utilities(car)
    dominated = lambda p: any((q >= p).all() and (q > p).any() for q in u)
    frontier = {tuple(p) for p in u if not dominated(p)}
    assert {tuple(p) for p in a.frontier} == frontier
    # Nash (NegMAS): the maximum of the product of gains over the reservation values, among rational outcomes.
    rv = np.array([r if r is not None else 0.0 for r in car.reservations()])
    rational = u[(u >= rv).all(axis=1)]
    best = max(np.prod(p - rv) for p in rational)
    assert abs(np.prod(a.nash[0] - rv) - best) < 1e-12
    assert a.kalai_smorodinsky.shape == (1, 2)
    assert entente.analyze(car, method="merge")["frontier"] == a["frontier"]


def test_talks_reference_case_and_roles():
    t = entente.talks()
    assert t.ending["result"] == "not_adopted"
    # The assessment is the mediators': nobody else receives it.
    assert t.assessment is None
    assert entente.talks(role="state_a").assessment is None
    assert entente.talks(role="mediator").assessment["blockage"] == "internal"
    assert t.doc["schema"].startswith("entente.export/")
    # Indices come with their names.
    assert t.doc["issues"][0]["name"] == "assurances"
    seen = {r: entente.talks(role=r).log for r in ("observer", "mediator", "state_a", "state_b")}
    visibility = lambda log: {json.dumps(e, sort_keys=True) for e in log}
    # Everyone sees the public log; each reader sees more than the public, and a party sees
    # nothing of the other's channel.
    for r in ("mediator", "state_a", "state_b"):
        assert visibility(seen["observer"]) < visibility(seen[r])
    assert not (visibility(seen["state_a"]) - visibility(seen["observer"])) & (visibility(seen["state_b"]) - visibility(seen["observer"]))
    unified = entente.talks(counterfactual="unified")
    assert unified.ending["result"] == "adopted"
    text = (SCENARIOS / "istanbul-2025.toml").read_text()
    assert entente.talks(text=text).ending == t.ending
    assert entente.talks(SCENARIOS / "istanbul-2025.toml").ending == t.ending


def test_tournament_records_threads_and_shards(car):
    job = entente.load(SCENARIOS / "job-offer.toml")
    strategies = ["boulware", "conceder", {"name": "time-based", "exponent": 2.0, "label": "tb2"}, "tit-for-tat"]
    whole = entente.tournament([car, job], strategies, repetitions=2, threads=1, as_frame=False)
    assert len(whole) == 2 * 2 * 16 * 2
    assert [r["id"] for r in whole] == list(range(len(whole)))
    assert entente.tournament([car, job], strategies, repetitions=2, threads=2, as_frame=False) == whole
    parts = [entente.tournament([car, job], strategies, repetitions=2, shard=f"{i}/3", as_frame=False) for i in (1, 2, 3)]
    assert parts[0] + parts[1] + parts[2] == whole
    assert {"tb2", "boulware"} <= {s for r in whole for s in r["strategies"]}
    pd = need("pandas")
    frame = entente.tournament([car], ["boulware", "conceder"])
    assert isinstance(frame, pd.DataFrame) and len(frame) == 8


def test_long_calls_release_the_gil(car):
    """Another Python thread runs while a tournament runs."""
    import threading
    import time

    ticks = []
    done = threading.Event()

    def ticker():
        while not done.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    th = threading.Thread(target=ticker)
    th.start()
    try:
        start = time.perf_counter()
        entente.tournament([car], ["boulware", "conceder", "linear", "aspiration", "tit-for-tat"], repetitions=200, threads=1, as_frame=False)
        end = time.perf_counter()
    finally:
        done.set()
        th.join()
    inside = [t for t in ticks if start < t < end]
    assert end - start < 0.05 or len(inside) >= 3


def test_genius_and_geniusweb_folders():
    from conftest import shared_domain

    laptop = entente.load(shared_domain("anac2011_Laptop"))
    assert laptop.parties == ["laptop_buyer_utility", "laptop_seller_utility"]
    assert laptop.n_outcomes == 27
    assert entente.run(laptop, strategies={0: "boulware", 1: "conceder"}).end["reason"] in ("agreement", "timeout")
    web = entente.load(shared_domain("geniusweb_anl2023_domain00"))
    assert web.n_outcomes == 6480 and len(web.parties) == 2
    assert entente.analyze(web)["pareto"]["distinct"] >= 1
    with pytest.raises(entente.EntenteError, match="profiles"):
        entente.load(shared_domain("anac2011_Laptop"), profiles=["nobody"])


def test_genius_utilities_are_negmas_own():
    """NegMAS reading the same GENIUS files gives the same utilities, bit for bit (raw_discrete: NegMAS's reading)."""
    from conftest import shared_domain

    need("negmas")
    from negmas.inout import Scenario as NegmasScenario

    path = shared_domain("anac2011_Laptop")
    sc = entente.load(path, raw_discrete=True)
    ns = NegmasScenario.load(path)
    table = entente.utilities(sc)
    for k, u in enumerate(ns.ufuns):
        assert [u(o) for o in ns.outcome_space.enumerate()] == [row[k] for row in table]
