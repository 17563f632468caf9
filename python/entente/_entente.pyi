"""Type stubs of the native module (crates/entente-py)."""

from os import PathLike
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

__version__: str

class EntenteError(Exception):
    """An error of entente, with the command-line tool's message."""

class Scenario:
    """A negotiation scenario: issues, parties, preferences, declared strategies, settings."""

    @property
    def name(self) -> str: ...
    @property
    def description(self) -> Optional[str]: ...
    @property
    def parties(self) -> List[str]: ...
    @property
    def issues(self) -> List[Tuple[str, List[Union[str, int, float]]]]: ...
    @property
    def n_outcomes(self) -> int: ...
    @property
    def n_steps(self) -> int: ...
    @property
    def time_limit(self) -> Optional[float]: ...
    @property
    def seed(self) -> int: ...
    @property
    def strategies(self) -> List[Optional[Dict[str, Any]]]: ...
    def outcome(self, index: int) -> Dict[str, Union[str, int, float]]: ...
    def index_of(self, outcome: Union[Mapping[str, Any], Sequence[Any]]) -> int: ...
    def utility_table(self) -> List[List[float]]: ...
    def reservations(self) -> List[Optional[float]]: ...
    def to_toml(self) -> str: ...
    def with_(
        self,
        *,
        n_steps: Optional[int] = None,
        seed: Optional[int] = None,
        strategies: Optional[Mapping[Union[str, int], Union[str, Mapping[str, Any]]]] = None,
    ) -> Scenario: ...

def load(
    path: Union[str, PathLike[str]],
    *,
    profiles: Optional[List[str]] = None,
    all_profiles: bool = False,
    real_steps: Optional[int] = None,
    raw_discrete: bool = False,
) -> Scenario: ...
def parse(text: str, name: str = "<string>") -> Scenario: ...
def run(
    scenario: Scenario,
    *,
    strategies: Optional[Dict[Any, Any]] = None,
    seed: Optional[int] = None,
    n_steps: Optional[int] = None,
    tie_order: str = "stable",
) -> Dict[str, Any]: ...
def analyze(scenario: Scenario, *, method: str = "auto", list_rational: int = 1000) -> Dict[str, Any]: ...
def talks(
    path: Optional[Union[str, PathLike[str]]] = None,
    *,
    text: Optional[str] = None,
    counterfactual: Optional[str] = None,
    role: str = "observer",
) -> Dict[str, Any]: ...
def tournament(
    scenarios: List[Scenario],
    strategies: List[Union[str, Dict[str, Any]]],
    *,
    repetitions: int = 1,
    self_play: bool = True,
    rotate_preferences: bool = True,
    seed: int = 0,
    n_steps: Optional[int] = None,
    shard: str = "1/1",
    threads: Optional[int] = None,
) -> List[Dict[str, Any]]: ...
def sweep(
    base: Union[Scenario, str],
    vary: List[str],
    *,
    changes: List[str] = [],
    strategies: Optional[Dict[Union[str, int], Union[str, Dict[str, Any]]]] = None,
    draws: Optional[int] = None,
    repetitions: int = 100,
    seed: Optional[int] = None,
    level: float = 0.95,
    shard: str = "1/1",
    threads: Optional[int] = None,
) -> Dict[str, Any]: ...
def merge_sweep(parts: List[Dict[str, Any]]) -> Dict[str, Any]: ...

class NativeNegotiator:
    """One of entente's strategies for one party, driven from outside (see entente.negmas.EntenteNegotiator)."""

    def __init__(
        self,
        scenario: Scenario,
        party: Union[str, int],
        strategy: Union[str, Mapping[str, Any]],
        *,
        seed: Optional[int] = None,
        n_steps: Optional[int] = None,
        tie_order: str = "stable",
    ) -> None: ...
    def propose(self, round: int, t: float) -> Optional[int]: ...
    def respond(self, round: int, t: float, offer: int) -> str: ...
