"""Agents of the ANL 2024 competition (the `anl-agents` package) under entente and under NegMAS.

Each agent meets NegMAS's Boulware negotiator on two scenarios, once under NegMAS's SAOMechanism and
once seated at entente's table (entente.negmas), with the same seed of Python's and NumPy's global
random streams: the offers (round, party, outcome), the agreement and the round count must be the same.

As in the ANL, each agent gets its opponent's utility function (reservation value 0) as
`private_info["opponent_ufun"]`. For a reproducible comparison NegMAS's clock is frozen (its mechanism
draws the global random stream once more each time the elapsed whole seconds grow) and the table does
not draw for the wall clock either; each comparison follows a warm-up negotiation, as some agents keep
state across negotiations in class or module attributes.

Agents that cannot be compared, and why:
- AntiAgent, AgentRenting2024, Group5, AgentKB, KatlaNirAgent, Goldie: import TensorFlow (not installed).
- BargainBot: calls `random.seed()` without an argument (reseeds from the OS) at the start of each
  negotiation, so it is not reproducible even under NegMAS alone.
"""

import importlib
import importlib.machinery
import importlib.util
import random
import sys

import pytest

import entente
from conftest import SCENARIOS, need

AGENTS = {
    "CARCAgent": "carc.carcagent",
    "Nayesian2": "susumu.nayesian2",
    "Shochan": "takafam.shochan",
    "AgentNyan": "team_123.nyan",
    "MissG": "team_182.missg",
    "Ilan": "team_186.ilan",
    "INegotiator": "team_191.inegotiator",
    "HardChaosNegotiator": "team_199.hard_chaos",
    "KosAgent": "team_205.kosagent",
    "TAKAgent": "team_232.tak",
    "Ardabot": "team_234.ardabot",
    "Group6": "team_235.group6",
    "Group7": "team_236.group7",
    "BidBot": "team_240.bidbot",
    "UOAgent": "team_moto.uoagent",
}


def agent_class(name):
    """The agent's class, imported without `anl_agents/__init__.py` (which imports the ANL 2025 platform)."""
    need("negmas")
    if "anl_agents" not in sys.modules:
        spec = importlib.util.find_spec("anl_agents")
        if spec is None:
            need("anl_agents")
        # Bare packages for anl_agents and anl_agents.anl2024: their __init__ files import every
        # agent, TensorFlow ones included.
        path = list(spec.submodule_search_locations)
        pkg = importlib.util.module_from_spec(importlib.machinery.ModuleSpec("anl_agents", None, is_package=True))
        pkg.__path__ = path
        pkg.__spec__.submodule_search_locations = path
        sys.modules["anl_agents"] = pkg
        path = [p + "/anl2024" for p in spec.submodule_search_locations]
        pkg = importlib.util.module_from_spec(importlib.machinery.ModuleSpec("anl_agents.anl2024", None, is_package=True))
        pkg.__path__ = path
        pkg.__spec__.submodule_search_locations = path
        sys.modules["anl_agents.anl2024"] = pkg
    module = importlib.import_module("anl_agents.anl2024." + AGENTS[name])
    return getattr(module, name)


def opponent_ufun(sc, party):
    from negmas.preferences import MappingUtilityFunction

    from entente.negmas import ufuns

    u = ufuns(sc)[1 - party]
    return MappingUtilityFunction(dict(u.mapping), outcome_space=u.outcome_space, reserved_value=0, name="opponent")


@pytest.fixture
def frozen_negmas_clock(monkeypatch):
    need("negmas")
    from negmas.sao import SAOMechanism

    monkeypatch.setattr(SAOMechanism, "time", property(lambda self: 0.0))


@pytest.mark.parametrize("scenario", ["car-purchase.toml", "job-offer.toml"])
@pytest.mark.parametrize("agent", sorted(AGENTS))
def test_anl2024_agent_matches_negmas(agent, scenario, frozen_negmas_clock):
    np = need("numpy")
    import negmas.sao as sao

    from entente.negmas import negmas_mechanism, seat

    cls = agent_class(agent)
    sc = entente.load(SCENARIOS / scenario)
    make = lambda: [cls(private_info=dict(opponent_ufun=opponent_ufun(sc, 0))), sao.BoulwareTBNegotiator()]

    def seed():
        random.seed(7)
        np.random.seed(7)

    seed()
    negmas_mechanism(sc, make()).run()  # warm-up
    seed()
    mech = negmas_mechanism(sc, make())
    mech.run()
    ids = [n.id for n in mech.negotiators]
    negmas_offers = [(step, ids.index(n), offer) for step, n, offer in mech.extended_trace]
    seed()
    result = entente.run(sc, strategies=seat(sc, dict(enumerate(make())), wall_clock=False))
    outs = list(mech.outcome_space.enumerate())
    entente_offers = [(o.round, o.party, outs[o.outcome_index]) for o in result.offers]
    assert entente_offers == negmas_offers
    assert (tuple(result.agreement.values()) if result.agreement else None) == mech.agreement
    assert result.rounds == mech.state.step
