"""entente.sweep: the same documents as `entente sweep --json`, shards that join into the whole sweep,
hand-computable probabilities, records as lists, pandas DataFrames and pyarrow Tables, and errors."""

import json
import math
import subprocess

import pytest

import entente
from conftest import SCENARIOS, cli_binary, need

CAR = SCENARIOS / "car-purchase.toml"
TALKS = SCENARIOS / "istanbul-2025.toml"
# z² for 95%: Wilson's interval of 0 successes in n runs is [0, z²/(n + z²)].
Z2 = 3.841458820694124


def cli(*args):
    out = subprocess.run([str(cli_binary()), "sweep", *map(str, args), "--json"], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


GRID = dict(vary=["reservation buyer={0:0.8:0.2}", "strategy dealer={conceder,random}"], repetitions=7, seed=3)


def test_grid_equals_the_cli(car):
    py = entente.sweep(car, GRID["vary"], repetitions=7, seed=3, threads=1)
    assert py.doc == cli(CAR, "--vary", GRID["vary"][0], "--vary", GRID["vary"][1], "--repetitions", 7, "--seed", 3)
    assert py.shard is None and len(py.settings) == 10
    assert py.parameters == ["reservation buyer=…", "strategy dealer=…"]
    # A path reads the scenario as the CLI does; the thread count changes nothing.
    assert entente.sweep(CAR, GRID["vary"], repetitions=7, seed=3, threads=2).doc == py.doc


def test_draws_strategies_and_fixed_changes_equal_the_cli(car):
    py = entente.sweep(
        car,
        "param buyer.exponent={0.2~5}",
        changes=["reservation dealer=0.3"],
        strategies={"buyer": "boulware", "dealer": "random"},
        draws=6,
        repetitions=5,
        seed=9,
    )
    doc = cli(CAR, "--vary", "param buyer.exponent={0.2~5}", "--change", "reservation dealer=0.3", "--strategy", "buyer=boulware",
              "--strategy", "dealer=random", "--draws", 6, "--repetitions", 5, "--seed", 9)
    assert py.doc == doc and py.doc["mode"] == "draws" and len(py.settings) == 6


def test_talks_sweep_equals_the_cli():
    py = entente.sweep(TALKS, ["instruction 1 {on,off}", "incident 1 {on,off}"], repetitions=4)
    assert py.doc["kind"] == "talks"
    assert py.doc == cli(TALKS, "--vary", "instruction 1 {on,off}", "--vary", "incident 1 {on,off}", "--repetitions", 4)


def test_shards_equal_the_cli_shards_and_merge_into_the_whole(car):
    whole = entente.sweep(car, GRID["vary"], repetitions=7, seed=3)
    parts = [entente.sweep(car, GRID["vary"], repetitions=7, seed=3, shard=(i, 3), threads=1) for i in (1, 2, 3)]
    # ⌊(i−1)·10/3⌋ .. ⌊i·10/3⌋: 3, 3 and 4 settings.
    assert [len(p.settings) for p in parts] == [3, 3, 4]
    assert [p.shard["first_setting"] for p in parts] == [0, 3, 6]
    for i, p in enumerate(parts, 1):
        assert p.doc == cli(CAR, "--vary", GRID["vary"][0], "--vary", GRID["vary"][1], "--repetitions", 7, "--seed", 3, "--shard", f"{i}/3")
    assert sum((p.settings for p in parts), []) == whole.settings
    assert entente.merge_sweep(parts).doc == whole.doc
    assert entente.merge_sweep([p.doc for p in parts]).doc == whole.doc
    assert entente.sweep(car, GRID["vary"], repetitions=7, seed=3, shard="2/3").doc == parts[1].doc
    with pytest.raises(entente.EntenteError, match="expected shard 2/3"):
        entente.merge_sweep([parts[0], parts[2], parts[1]])
    with pytest.raises(entente.EntenteError, match="2 shards given; the sweep was split into 3"):
        entente.merge_sweep(parts[:2])
    other = entente.sweep(car, GRID["vary"], repetitions=7, seed=4, shard=(2, 3))
    with pytest.raises(entente.EntenteError, match="another sweep"):
        entente.merge_sweep([parts[0], other, parts[2]])


def test_no_agreement_possible_gives_probability_zero(car):
    """Every utility of the car purchase is at most 1; with both reservations above 1 nothing is accepted."""
    n = 6
    r = entente.sweep(car, "reservation buyer={1.25:2:0.25}", changes=["reservation dealer=1.5"], strategies={"dealer": "conceder"}, repetitions=n)
    assert [s["values"][0] for s in r.settings] == ["1.25", "1.5", "1.75", "2"]
    for s in r.settings:
        assert (s["runs"], s["agreements"], s["probability"]) == (n, 0, 0.0)
        assert s["interval"]["low"] == 0.0
        assert math.isclose(s["interval"]["high"], Z2 / (n + Z2), rel_tol=1e-9)


def test_records_as_lists_frames_and_arrow_tables(car):
    r = entente.sweep(car, GRID["vary"], repetitions=7, seed=3, shard=(2, 3))
    rows = r.records("list")
    assert [row["setting"] for row in rows] == [3, 4, 5]
    for row, s in zip(rows, r.settings):
        assert [row["reservation buyer=…"], row["strategy dealer=…"]] == s["values"]
        assert (row["runs"], row["agreements"], row["probability"]) == (s["runs"], s["agreements"], s["probability"])
        assert (row["low"], row["high"]) == (s["interval"]["low"], s["interval"]["high"])
        assert [row["mean_utility[buyer]"], row["mean_utility[dealer]"]] == s["mean_utilities"]
        assert row["top_outcome"] == s["outcomes"][0]["outcome"] and row["outcomes"] == s["outcomes"]
        assert row["agreements"] == sum(o["count"] for o in s["outcomes"] if not o["outcome"].startswith("no agreement"))
    pd = need("pandas")
    frame = r.records("pandas")
    assert isinstance(frame, pd.DataFrame) and list(frame["setting"]) == [3, 4, 5]
    assert list(frame["probability"]) == [row["probability"] for row in rows]
    assert isinstance(r.records(), pd.DataFrame)  # "auto": pandas when installed
    pa = need("pyarrow")
    table = r.records("arrow")
    assert isinstance(table, pa.Table) and table.num_rows == 3
    assert table.column("probability").to_pylist() == [row["probability"] for row in rows]
    assert table.to_pylist() == rows
    with pytest.raises(ValueError, match="output 'excel'"):
        r.records("excel")


def test_tournament_records_as_arrow_and_lists(car):
    records = entente.tournament([car], ["boulware", "conceder"], repetitions=2, output="list")
    assert isinstance(records, list) and len(records) == 2 * 4 * 2
    assert entente.tournament([car], ["boulware", "conceder"], repetitions=2, shard=(2, 2), output="list") == records[8:]
    pa = need("pyarrow")
    table = entente.tournament([car], ["boulware", "conceder"], repetitions=2, output="arrow")
    assert isinstance(table, pa.Table) and table.num_rows == len(records)
    assert table.column("id").to_pylist() == [r["id"] for r in records]
    assert table.column("utilities").to_pylist() == [r["utilities"] for r in records]
    with pytest.raises(TypeError, match="as_frame or output"):
        entente.tournament([car], ["boulware"], as_frame=True, output="arrow")


def test_bad_input_raises_entente_errors_naming_the_keyword(car):
    cases = [
        (dict(vary="reservatoin buyer={0,1}"), "--vary \"reservatoin buyer={0,1}\""),
        (dict(vary="reservation byer={0,1}"), "no party \"byer\""),
        (dict(vary="reservation buyer"), "no {…} slot"),
        (dict(vary="reservation buyer={0.2~0.8}"), "needs --draws N"),
        (dict(vary=[]), "at least one change to vary"),
        (dict(vary="reservation buyer={0,1}", repetitions=0), "--repetitions must be at least 1"),
        (dict(vary="reservation buyer={0,1}", level=1.5), "--level must be in (0, 1)"),
        (dict(vary="reservation buyer={0,1}", changes=["veto nobody.x off"]), "--change"),
        (dict(vary="reservation buyer={0,1}", shard=(3, 2)), "i must be between 1 and k = 2"),
        (dict(vary="reservation buyer={0,1}", shard=(1,)), "expected (i, k)"),
        (dict(vary="reservation buyer={0,1}", strategies={"nobody": "boulware"}), "no party 'nobody'"),
        (dict(vary="incident 1 {on,off}"), "talks files only"),
        (dict(vary="reservation buyer={0,1}", threads=0), "threads must be at least 1"),
    ]
    for kwargs, expected in cases:
        vary = kwargs.pop("vary")
        with pytest.raises(entente.EntenteError) as e:
            entente.sweep(car, vary, **kwargs)
        assert expected in str(e.value), (vary, kwargs, str(e.value))
    with pytest.raises(entente.EntenteError, match="no SAO negotiators"):
        entente.sweep(TALKS, "instruction 1 {on,off}", strategies={"x": "boulware"})
    with pytest.raises(entente.EntenteError, match="no such file"):
        entente.sweep(SCENARIOS / "nothing-here.toml", "reservation buyer={0,1}")
    with pytest.raises(entente.EntenteError, match="not a sweep's document"):
        entente.merge_sweep([{"format": "x"}])


def test_a_sweep_releases_the_gil(car):
    """Another Python thread runs while a sweep runs."""
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
        entente.sweep(car, ["reservation buyer={0:0.9:0.1}", "strategy dealer={boulware,conceder,linear}"], repetitions=300, threads=1)
        end = time.perf_counter()
    finally:
        done.set()
        th.join()
    inside = [t for t in ticks if start < t < end]
    assert end - start < 0.05 or len(inside) >= 3
