"""NegMAS negotiators at entente's table give the same offers, agreement and round as under NegMAS."""

import pytest

import entente
from conftest import SCENARIOS, need


def _both(sc, make):
    """Runs the negotiators `make()` under NegMAS's SAOMechanism and, seated, under entente."""
    from entente.negmas import negmas_mechanism, seat

    mech = negmas_mechanism(sc, make())
    mech.run()
    ids = [n.id for n in mech.negotiators]
    # extended_trace: (step, negotiator, offer) of every offer (full_trace drops the last one of a
    # run that times out, and files the accepted offer under the step of its acceptance).
    negmas_offers = [(step, ids.index(n), offer) for step, n, offer in mech.extended_trace]
    result = entente.run(sc, strategies=seat(sc, dict(enumerate(make()))))
    outs = list(mech.outcome_space.enumerate())
    entente_offers = [(o.round, o.party, outs[o.outcome_index]) for o in result.offers]
    return mech, negmas_offers, result, entente_offers


PAIRS = [
    ("AspirationNegotiator", "AspirationNegotiator"),
    ("BoulwareTBNegotiator", "ConcederTBNegotiator"),
    ("NaiveTitForTatNegotiator", "BoulwareTBNegotiator"),
    ("LinearTBNegotiator", "NaiveTitForTatNegotiator"),
    ("ConcederTBNegotiator", "ToughNegotiator"),
]


@pytest.mark.parametrize("scenario", ["car-purchase.toml", "job-offer.toml"])
@pytest.mark.parametrize("a,b", PAIRS)
def test_builtin_negotiators_match_negmas(scenario, a, b):
    need("negmas")
    import negmas.sao as sao

    sc = entente.load(SCENARIOS / scenario)
    mech, negmas_offers, result, entente_offers = _both(sc, lambda: [getattr(sao, a)(), getattr(sao, b)()])
    assert entente_offers == negmas_offers
    agreement = tuple(result.agreement.values()) if result.agreement else None
    assert agreement == mech.agreement
    # NegMAS's step count at the end is entente's round count.
    assert result.rounds == mech.state.step


def test_seat_beside_a_native_strategy():
    need("negmas")
    from negmas.sao import BoulwareTBNegotiator

    from entente.negmas import NegmasSeat

    # entente's native strategies order outcomes of equal utility by enumeration unless
    # tie_order="numpy" (NegMAS's order): car-purchase has ties on the buyer's side.
    sc = entente.load(SCENARIOS / "car-purchase.toml")
    native = entente.run(sc, strategies={0: "boulware", 1: "conceder"}, tie_order="numpy")
    seated = entente.run(sc, strategies={0: NegmasSeat(BoulwareTBNegotiator(), sc, 0), 1: "conceder"})
    # entente's Boulware is NegMAS's, offer for offer.
    assert seated.trace == native.trace and seated.agreement == native.agreement


@pytest.mark.parametrize("a,b", PAIRS)
def test_builtin_negotiators_match_negmas_on_a_genius_domain(a, b):
    """NegMAS's own utility functions, read by NegMAS from the GENIUS files, in both runs."""
    from conftest import shared_domain

    need("negmas")
    import negmas.sao as sao
    from negmas.inout import Scenario as NegmasScenario

    from entente.negmas import negmas_mechanism, seat

    path = shared_domain("anac2011_Laptop")
    sc = entente.load(path, raw_discrete=True)
    # Fresh utility functions for each run: NegMAS's tit-for-tat keeps a cursor on them.
    ufuns = lambda: NegmasScenario.load(path).ufuns
    make = lambda: [getattr(sao, a)(), getattr(sao, b)()]
    mech = negmas_mechanism(sc, make(), ufuns())
    mech.run()
    ids = [n.id for n in mech.negotiators]
    negmas_offers = [(step, ids.index(n), offer) for step, n, offer in mech.extended_trace]
    result = entente.run(sc, strategies=seat(sc, dict(enumerate(make())), ufuns=ufuns()))
    outs = list(mech.outcome_space.enumerate())
    assert [(o.round, o.party, outs[o.outcome_index]) for o in result.offers] == negmas_offers
    assert (tuple(result.agreement.values()) if result.agreement else None) == mech.agreement
    assert result.rounds == mech.state.step


@pytest.mark.parametrize(
    "native,theirs",
    [("boulware", "BoulwareTBNegotiator"), ("conceder", "ConcederTBNegotiator"), ("tit-for-tat", "NaiveTitForTatNegotiator"), ("tough", "ToughNegotiator")],
)
@pytest.mark.parametrize("party", [0, 1])
def test_entente_strategies_as_negmas_negotiators(native, theirs, party):
    """entente's strategy in a NegMAS SAOMechanism plays as NegMAS's own negotiator of the same strategy."""
    need("negmas")
    import negmas.sao as sao

    from entente.negmas import EntenteNegotiator, negmas_mechanism

    sc = entente.load(SCENARIOS / "job-offer.toml")  # many outcomes of equal utility: NegMAS's tie order

    def trace(ours):
        negotiators = [sao.AspirationNegotiator(), sao.AspirationNegotiator()]
        negotiators[party] = ours
        mech = negmas_mechanism(sc, negotiators)
        mech.run()
        ids = [n.id for n in mech.negotiators]
        return [(s, ids.index(n), o) for s, n, o in mech.extended_trace], mech.agreement, mech.state.step

    assert trace(EntenteNegotiator(native, sc, party)) == trace(getattr(sao, theirs)())


def test_native_negotiator_errors(car):
    with pytest.raises(entente.EntenteError, match="no party"):
        entente._entente.NativeNegotiator(car, "nobody", "boulware")
    n = entente._entente.NativeNegotiator(car, 0, "boulware")
    with pytest.raises(entente.EntenteError, match="not an outcome"):
        n.respond(0, 0.1, 10**6)
    with pytest.raises(entente.EntenteError, match="relative time"):
        n.propose(0, 2.0)
    assert isinstance(n.propose(0, 0.1), int)
