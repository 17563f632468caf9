"""entente from Python: scenarios, negotiations, analysis, mediated talks and tournaments.

The engine is Rust (the native module ``entente._entente``); this package wraps
its plain-data answers in small Python objects. Every document has the same
fields as the command-line tool's JSON (``entente run --json``,
``entente analyze --json``, ``entente talks --json``, tournament records).

    >>> import entente
    >>> sc = entente.load("scenarios/car.toml")            # doctest: +SKIP
    >>> result = entente.run(sc, strategies={0: "boulware", 1: "conceder"}, seed=1)  # doctest: +SKIP
    >>> result.agreement                                    # doctest: +SKIP

Errors raise :class:`EntenteError` with the command-line tool's messages.
NumPy (arrays), pandas and pyarrow (tournament and sweep records as a
DataFrame or an Arrow table) are used when installed, never required.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import os
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

from . import _entente
from ._entente import EntenteError, Scenario, __version__

__all__ = [
    "EntenteError",
    "Scenario",
    "Offer",
    "RunResult",
    "Analysis",
    "TalksResult",
    "load",
    "parse",
    "run",
    "analyze",
    "utilities",
    "talks",
    "tournament",
    "sweep",
    "merge_sweep",
    "SweepResult",
    "records_as",
    "__version__",
]


def _numpy():
    try:
        import numpy

        return numpy
    except ImportError:  # pragma: no cover - depends on the environment
        return None


def _array(rows: Sequence[Sequence[float]]):
    np = _numpy()
    if np is None:
        return [list(r) for r in rows]
    return np.asarray(rows, dtype=float)


def load(
    path: Any,
    *,
    profiles: Optional[Sequence[str]] = None,
    all_profiles: bool = False,
    real_steps: Optional[int] = None,
    raw_discrete: bool = False,
) -> Scenario:
    """Reads a scenario: an entente ``.toml`` file, a GENIUS folder or a GeniusWeb folder.

    ``profiles`` picks the folder's profiles by file stem (default: the first
    two); ``all_profiles`` reads them all; ``real_steps`` is the number of
    points of a real GENIUS issue; ``raw_discrete`` reads GENIUS evaluations as
    NegMAS 0.16 does (not divided by the issue's maximum).
    """
    return _entente.load(
        str(path),
        profiles=list(profiles) if profiles is not None else None,
        all_profiles=all_profiles,
        real_steps=real_steps,
        raw_discrete=raw_discrete,
    )


def parse(text: str, name: str = "<string>") -> Scenario:
    """Parses an entente TOML scenario from text (``name`` is used in error messages)."""
    return _entente.parse(text, name)


class Offer(NamedTuple):
    """One offer of a negotiation."""

    round: int
    party: int
    t: float
    outcome: Dict[str, Any]
    outcome_index: int
    utilities: List[float]


@dataclass(frozen=True)
class RunResult:
    """The result of one negotiation (the fields of ``entente run --json``)."""

    scenario: str
    seed: int
    parties: List[str]
    offers: List[Offer] = field(repr=False)
    agreement: Optional[Dict[str, Any]]
    agreement_index: Optional[int]
    utilities: List[float]
    discounted_utilities: List[float]
    rounds: int
    end: Dict[str, Any]
    doc: Dict[str, Any] = field(repr=False)

    @property
    def trace(self) -> List[tuple]:
        """``(round, party, outcome_index)`` for every offer."""
        return [(o.round, o.party, o.outcome_index) for o in self.offers]

    def offer_utilities(self):
        """Every offer's utilities, shape ``(n_offers, n_parties)`` (a NumPy array if NumPy is installed)."""
        return _array([o.utilities for o in self.offers])


def _result(doc: Dict[str, Any]) -> RunResult:
    agreement = doc.get("agreement")
    offers = [
        Offer(o["round"], o["party"], o["t"], o["outcome"], o["outcome_index"], o["utilities"])
        for o in doc["offers"]
    ]
    return RunResult(
        scenario=doc["scenario"],
        seed=doc["seed"],
        parties=[p["name"] if isinstance(p, dict) else p for p in doc["parties"]],
        offers=offers,
        agreement=agreement["outcome"] if agreement else None,
        agreement_index=agreement["outcome_index"] if agreement else None,
        utilities=doc["utilities"],
        discounted_utilities=doc["discounted_utilities"],
        rounds=doc["rounds"],
        end=doc["end"],
        doc=doc,
    )


Strategy = Union[str, Mapping[str, Any], Any]


def run(
    scenario: Scenario,
    *,
    strategies: Optional[Mapping[Union[str, int], Strategy]] = None,
    seed: Optional[int] = None,
    n_steps: Optional[int] = None,
    tie_order: str = "stable",
) -> RunResult:
    """Runs one negotiation (stacked alternating offers) and returns its result.

    ``strategies`` maps a party (name or index) to a built-in strategy's name
    (``"boulware"``, ``"conceder"``, ``"linear"``, ``"aspiration"``,
    ``"tit-for-tat"``, ``"tough"``, ``"random"``, or a NegMAS class name), a
    dict with ``name`` and parameters (``{"name": "time-based", "exponent":
    3}``), or a Python negotiator: any object with ``propose(round, t) ->
    outcome index | None`` and ``respond(round, t, offer) -> "accept" |
    "reject" | "end"`` (see :mod:`entente.negmas` to seat a NegMAS
    negotiator). The same ``seed`` gives the same negotiation. ``tie_order``:
    ``"stable"`` (among outcomes of equal utility, enumeration order) or
    ``"numpy"`` (NegMAS's order, numpy's argsort under AVX2).
    """
    strategies = dict(strategies) if strategies else None
    return _result(_entente.run(scenario, strategies=strategies, seed=seed, n_steps=n_steps, tie_order=tie_order))


@dataclass(frozen=True)
class Analysis:
    """A domain's analysis (the fields of ``entente analyze --json``, in ``doc``)."""

    doc: Dict[str, Any] = field(repr=False)

    def _points(self, key: str):
        v = self.doc.get(key)
        if v is None:
            return _array([])
        if isinstance(v, dict):
            v = [v]
        return _array([p["utilities"] for p in v])

    @property
    def frontier(self):
        """GENIUS's Pareto frontier (every outcome not strictly dominated), one row of utilities per point."""
        return self._points("frontier")

    @property
    def frontier_negmas(self):
        """NegMAS's Pareto frontier (rational points only, welfare descending)."""
        return self._points("frontier_negmas")

    @property
    def nash(self):
        """The Nash points (NegMAS's definition), one row of utilities per point."""
        return self._points("nash_negmas")

    @property
    def kalai_smorodinsky(self):
        """The Kalai–Smorodinsky point (textbook definition), as a row of utilities."""
        return self._points("kalai_smorodinsky")

    @property
    def ks_negmas(self):
        """NegMAS's ``ks_points``."""
        return self._points("ks_negmas")

    def __getitem__(self, key: str) -> Any:
        return self.doc[key]

    def keys(self):
        return self.doc.keys()


def analyze(scenario: Scenario, *, method: str = "auto", list_rational: int = 1000) -> Analysis:
    """Analyses the domain: Pareto frontiers, Nash, Kalai–Smorodinsky, welfare, opposition, zone of agreement.

    ``method``: ``"auto"``, ``"enumerate"`` or ``"merge"`` (linear additive
    utilities, without enumerating the space).
    """
    return Analysis(_entente.analyze(scenario, method=method, list_rational=list_rational))


def utilities(scenario: Scenario):
    """Every party's utility of every outcome: shape ``(n_outcomes, n_parties)``
    (a NumPy array if NumPy is installed; outcomes in index order)."""
    table = scenario.utility_table()
    rows = list(zip(*table))
    np = _numpy()
    if np is not None:
        return np.asarray(table, dtype=float).T.copy()
    return [list(r) for r in rows]


@dataclass(frozen=True)
class TalksResult:
    """A round of mediated talks: the log as one role may see it, the ending and, for the
    mediators only, their assessment (``None`` for any other role: it is computed from every
    party's preferences)."""

    role: str
    log: List[Dict[str, Any]]
    ending: Dict[str, Any]
    assessment: Optional[Dict[str, Any]]
    doc: Dict[str, Any] = field(repr=False)


def talks(
    path: Any = None,
    *,
    text: Optional[str] = None,
    counterfactual: Optional[str] = None,
    role: str = "observer",
) -> TalksResult:
    """Simulates a round of mediated talks (``entente talks``).

    ``path``: a scenario file with a ``[talks]`` table (default: the embedded
    reference case); or ``text``. ``counterfactual``: ``"unified"``,
    ``"no-injection"`` or ``"guarantor-consents"``. ``role``: whose view of the
    log to return: ``"observer"``, ``"mediator"`` or a party's name (a party
    never sees another party's private entries).
    """
    doc = _entente.talks(None if path is None else str(path), text=text, counterfactual=counterfactual, role=role)
    return TalksResult(role=role, log=doc["entries"], ending=doc["ending"], assessment=doc["assessment"], doc=doc)


_OUTPUTS = ("auto", "list", "pandas", "arrow")


def records_as(records: List[Dict[str, Any]], output: Optional[str] = "auto"):
    """Records (a list of dicts) as ``output`` asks.

    ``"list"``: the list itself; ``"pandas"``: a pandas DataFrame (one column a
    key); ``"arrow"``: a pyarrow Table (nested lists and dicts become Arrow
    lists and structs); ``"auto"`` (or ``None``): a DataFrame when pandas is
    installed, else the list. Asking for a library that is not installed raises
    ``ImportError``.
    """
    output = "auto" if output is None else output
    if output not in _OUTPUTS:
        raise ValueError(f"output {output!r}: expected one of {', '.join(map(repr, _OUTPUTS))}")
    if output == "list":
        return records
    if output == "arrow":
        return _arrow(records)
    try:
        import pandas
    except ImportError:
        if output == "pandas":
            raise
        return records
    return pandas.DataFrame.from_records(records)


def _arrow(records: List[Dict[str, Any]]):
    """A pyarrow Table, one column per key (seeds beyond 2**63 make a uint64 column)."""
    import pyarrow

    names: List[str] = []
    for r in records:
        names.extend(k for k in r if k not in names)
    columns = []
    for name in names:
        values = [r.get(name) for r in records]
        try:
            columns.append(pyarrow.array(values))
        except OverflowError:
            columns.append(pyarrow.array(values, type=pyarrow.uint64()))
    return pyarrow.Table.from_arrays(columns, names=names)


def _output(as_frame: Optional[bool], output: Optional[str]) -> str:
    if as_frame is not None and output is not None:
        raise TypeError("give as_frame or output, not both")
    if as_frame is True:
        return "pandas"
    if as_frame is False:
        return "list"
    return "auto" if output is None else output


def tournament(
    scenarios: Sequence[Scenario],
    strategies: Sequence[Union[str, Mapping[str, Any]]],
    *,
    repetitions: int = 1,
    self_play: bool = True,
    rotate_preferences: bool = True,
    seed: int = 0,
    n_steps: Optional[int] = None,
    shard: Union[str, Tuple[int, int]] = "1/1",
    threads: Optional[int] = None,
    as_frame: Optional[bool] = None,
    output: Optional[str] = None,
):
    """Runs a tournament, or one shard ``"i/k"`` (or ``(i, k)``) of it, on ``threads`` threads (default: every core).

    Returns the records, one per negotiation in id order (the lines of
    ``records.jsonl``), as :func:`records_as` makes them: ``output="list"``
    (a list of dicts), ``"pandas"`` (a DataFrame), ``"arrow"`` (a pyarrow
    Table) or ``"auto"`` (the default: a DataFrame when pandas is installed,
    else the list). ``as_frame=True``/``False`` is ``output="pandas"``/``"list"``.
    The records do not depend on ``threads`` or on the sharding.
    """
    out = _output(as_frame, output)
    records = _entente.tournament(
        list(scenarios),
        [dict(s) if isinstance(s, Mapping) else s for s in strategies],
        repetitions=repetitions,
        self_play=self_play,
        rotate_preferences=rotate_preferences,
        seed=seed,
        n_steps=n_steps,
        shard=_shard(shard),
        threads=threads,
    )
    return records_as(records, out)


def _shard(shard: Union[None, str, Tuple[int, int]]) -> str:
    if shard is None:
        return "1/1"
    if isinstance(shard, str):
        return shard
    try:
        i, k = shard
    except (TypeError, ValueError):
        raise EntenteError(f"shard {shard!r}: expected (i, k) or \"i/k\", e.g. (1, 4)") from None
    if not all(isinstance(x, int) and not isinstance(x, bool) for x in (i, k)):
        raise EntenteError(f"shard {shard!r}: i and k are whole numbers")
    return f"{i}/{k}"


@dataclass(frozen=True)
class SweepResult:
    """A sweep (or one shard of it): the ``entente.sweep/1`` document of ``entente sweep --json``.

    ``settings`` are its records, one per setting (the document's
    ``settings``: ``values``, ``changes``, ``runs``, ``agreements``,
    ``probability``, ``interval``, ``mean_utilities``, ``mean_rounds``,
    ``outcomes``); :meth:`records` gives them as a list, a pandas DataFrame or a
    pyarrow Table, flattened into columns. ``shard`` is ``None`` for a whole
    sweep, else ``{"index", "count", "first_setting", "total_settings"}``.
    """

    doc: Dict[str, Any] = field(repr=False)

    @property
    def settings(self) -> List[Dict[str, Any]]:
        return self.doc["settings"]

    @property
    def parameters(self) -> List[str]:
        """The varied parameters (each ``vary`` without its slot), the records' value columns."""
        return self.doc["parameters"]

    @property
    def shard(self) -> Optional[Dict[str, int]]:
        return self.doc.get("shard")

    def records(self, output: Optional[str] = "auto"):
        """One flat record per setting: ``setting`` (its position in the whole sweep), one column per
        varied parameter (its value, as written into the change), ``runs``, ``agreements``,
        ``probability``, ``low`` and ``high`` (the Wilson interval), ``mean_rounds``, one
        ``mean_utility[PARTY]`` per party, ``top_outcome`` (the most frequent) and ``outcomes`` (every
        distinct outcome with its count). ``output`` as in :func:`records_as`."""
        first = (self.shard or {}).get("first_setting", 0)
        rows = []
        for j, s in enumerate(self.settings):
            row: Dict[str, Any] = {"setting": first + j}
            row.update(zip(self.parameters, s["values"]))
            row.update(
                runs=s["runs"],
                agreements=s["agreements"],
                probability=s["probability"],
                low=s["interval"]["low"],
                high=s["interval"]["high"],
                mean_rounds=s["mean_rounds"],
            )
            for party, u in zip(self.doc["parties"], s["mean_utilities"]):
                row[f"mean_utility[{party}]"] = u
            row["top_outcome"] = s["outcomes"][0]["outcome"] if s["outcomes"] else None
            row["outcomes"] = s["outcomes"]
            rows.append(row)
        return records_as(rows, output)

    def __repr__(self) -> str:
        part = f", shard {self.shard['index']}/{self.shard['count']}" if self.shard else ""
        return (
            f"<entente.SweepResult {self.doc['scenario']!r}: {len(self.settings)} settings x "
            f"{self.doc['repetitions']} runs{part}>"
        )


def sweep(
    base: Any,
    vary: Union[str, Sequence[str]],
    *,
    changes: Sequence[str] = (),
    strategies: Optional[Mapping[Union[str, int], Union[str, Mapping[str, Any]]]] = None,
    draws: Optional[int] = None,
    repetitions: int = 100,
    seed: Optional[int] = None,
    level: float = 0.95,
    shard: Union[None, str, Tuple[int, int]] = None,
    threads: Optional[int] = None,
) -> SweepResult:
    """How likely is an agreement if ...: ``entente sweep`` from Python (docs/tournaments.md, "Sweeps").

    ``base``: a :class:`Scenario` (negotiations), or a path (a file with a
    ``[talks]`` table runs the talks simulation; anything else is read as
    :func:`load` reads it). ``vary``: one change (or a list) in ``entente
    whatif``'s compact form with one ``{...}`` slot: a grid ``{a:b:step}``, a
    list ``{x,y,z}`` or a uniform draw ``{a~b}`` (with ``draws``); the settings
    are the grid's product (first slowest), or ``draws`` seeded draws.
    ``changes``: fixed changes applied first; ``strategies``: party -> built-in
    strategy (name or dict), as in :func:`run`. Each setting runs
    ``repetitions`` times with the seeds ``party_seed(seed, r)`` (``seed``:
    default the scenario's), the same in every setting. ``shard=(i, k)`` runs
    only the ``i``-th of ``k`` contiguous parts of the settings
    (:func:`merge_sweep` joins them). ``threads``: default every core; the
    result does not depend on it. The GIL is released while it runs.

    The document is the one ``entente sweep --json`` prints for the same
    inputs, field for field.
    """
    if isinstance(vary, str):
        vary = [vary]
    if isinstance(changes, str):
        changes = [changes]
    if not isinstance(base, Scenario):
        base = os.fspath(base)
    doc = _entente.sweep(
        base,
        list(vary),
        changes=list(changes),
        strategies={k: (dict(v) if isinstance(v, Mapping) else v) for k, v in strategies.items()} if strategies else None,
        draws=draws,
        repetitions=repetitions,
        seed=seed,
        level=level,
        shard=_shard(shard),
        threads=threads,
    )
    return SweepResult(doc)


def merge_sweep(parts: Sequence[Union[SweepResult, Mapping[str, Any]]]) -> SweepResult:
    """Joins shards ``1/k`` ... ``k/k`` of one sweep (in order) into the whole sweep, identical to one run.

    Raises :class:`EntenteError` if the parts are not the complete shards of one sweep, in order.
    """
    docs = [p.doc if isinstance(p, SweepResult) else dict(p) for p in parts]
    return SweepResult(_entente.merge_sweep(docs))
