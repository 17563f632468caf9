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
NumPy (arrays) and pandas (tournament records as a DataFrame) are used when
installed, never required.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Sequence, Union

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


def tournament(
    scenarios: Sequence[Scenario],
    strategies: Sequence[Union[str, Mapping[str, Any]]],
    *,
    repetitions: int = 1,
    self_play: bool = True,
    rotate_preferences: bool = True,
    seed: int = 0,
    n_steps: Optional[int] = None,
    shard: str = "1/1",
    threads: Optional[int] = None,
    as_frame: Optional[bool] = None,
):
    """Runs a tournament, or one shard ``"i/k"`` of it, on ``threads`` threads (default: every core).

    Returns the records, one per negotiation in id order (the lines of
    ``records.jsonl``): a pandas DataFrame when pandas is installed (or
    ``as_frame=True``), else a list of dicts. The records do not depend on
    ``threads`` or on the sharding.
    """
    records = _entente.tournament(
        list(scenarios),
        [dict(s) if isinstance(s, Mapping) else s for s in strategies],
        repetitions=repetitions,
        self_play=self_play,
        rotate_preferences=rotate_preferences,
        seed=seed,
        n_steps=n_steps,
        shard=shard,
        threads=threads,
    )
    if as_frame is False:
        return records
    try:
        import pandas
    except ImportError:
        if as_frame:
            raise
        return records
    return pandas.DataFrame.from_records(records)
