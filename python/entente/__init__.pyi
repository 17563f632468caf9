from dataclasses import dataclass
from os import PathLike
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Protocol, Sequence, Tuple, Union

from ._entente import EntenteError as EntenteError, Scenario as Scenario, __version__ as __version__

class PythonNegotiator(Protocol):
    """A negotiator written in Python: entente asks it for offers and answers."""

    def propose(self, round: int, t: float) -> Optional[int]: ...
    def respond(self, round: int, t: float, offer: int) -> str: ...

Strategy = Union[str, Mapping[str, Any], PythonNegotiator]

class Offer(NamedTuple):
    round: int
    party: int
    t: float
    outcome: Dict[str, Any]
    outcome_index: int
    utilities: List[float]

@dataclass(frozen=True)
class RunResult:
    scenario: str
    seed: int
    parties: List[str]
    offers: List[Offer]
    agreement: Optional[Dict[str, Any]]
    agreement_index: Optional[int]
    utilities: List[float]
    discounted_utilities: List[float]
    rounds: int
    end: Dict[str, Any]
    doc: Dict[str, Any]
    @property
    def trace(self) -> List[tuple]: ...
    def offer_utilities(self) -> Any: ...

@dataclass(frozen=True)
class Analysis:
    doc: Dict[str, Any]
    @property
    def frontier(self) -> Any: ...
    @property
    def frontier_negmas(self) -> Any: ...
    @property
    def nash(self) -> Any: ...
    @property
    def kalai_smorodinsky(self) -> Any: ...
    @property
    def ks_negmas(self) -> Any: ...
    def __getitem__(self, key: str) -> Any: ...
    def keys(self) -> Any: ...

@dataclass(frozen=True)
class TalksResult:
    role: str
    log: List[Dict[str, Any]]
    ending: Dict[str, Any]
    assessment: Optional[Dict[str, Any]]
    doc: Dict[str, Any]

def load(
    path: Union[str, PathLike[str]],
    *,
    profiles: Optional[Sequence[str]] = None,
    all_profiles: bool = False,
    real_steps: Optional[int] = None,
    raw_discrete: bool = False,
) -> Scenario: ...
def parse(text: str, name: str = "<string>") -> Scenario: ...
def run(
    scenario: Scenario,
    *,
    strategies: Optional[Mapping[Union[str, int], Strategy]] = None,
    seed: Optional[int] = None,
    n_steps: Optional[int] = None,
    tie_order: str = "stable",
) -> RunResult: ...
def analyze(scenario: Scenario, *, method: str = "auto", list_rational: int = 1000) -> Analysis: ...
def utilities(scenario: Scenario) -> Any: ...
def talks(
    path: Optional[Union[str, PathLike[str]]] = None,
    *,
    text: Optional[str] = None,
    counterfactual: Optional[str] = None,
    role: str = "observer",
) -> TalksResult: ...
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
) -> Any: ...
def records_as(records: List[Dict[str, Any]], output: Optional[str] = "auto") -> Any: ...
@dataclass(frozen=True)
class SweepResult:
    doc: Dict[str, Any]
    @property
    def settings(self) -> List[Dict[str, Any]]: ...
    @property
    def parameters(self) -> List[str]: ...
    @property
    def shard(self) -> Optional[Dict[str, int]]: ...
    def records(self, output: Optional[str] = "auto") -> Any: ...

def sweep(
    base: Union[Scenario, str, PathLike[str]],
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
) -> SweepResult: ...
def merge_sweep(parts: Sequence[Union[SweepResult, Mapping[str, Any]]]) -> SweepResult: ...
