"""NegMAS negotiators at entente's table.

A NegMAS ``SAONegotiator`` (any subclass, unchanged) takes a seat in an entente
negotiation through :class:`NegmasSeat`::

    import entente
    from entente.negmas import NegmasSeat
    from negmas.sao import AspirationNegotiator

    sc = entente.load("scenarios/car-purchase.toml")
    seat = NegmasSeat(AspirationNegotiator(), sc, party=0)
    result = entente.run(sc, strategies={0: seat, 1: "conceder"})

entente's protocol machine runs the negotiation; the seat answers its turns by
calling the NegMAS negotiator exactly as NegMAS's ``SAOMechanism`` does
(``negotiator(state, dest)``, after ``on_negotiation_start``,
``on_round_start``/``on_round_end`` and ``on_partner_proposal``). The
negotiator sees a NegMAS mechanism interface (``negotiator.nmi``: outcome
space, number of steps, ...) from a *shadow* ``SAOMechanism`` that is never
stepped: it holds the negotiator, placeholders for the other seats, and the
state entente's turns put into it.

The outcome space and utility functions come from the entente scenario
(:func:`outcome_space`, :func:`ufuns`): outcome index ``i`` of entente is the
``i``-th outcome of NegMAS's enumeration (the last issue varies fastest, as in
both libraries), and each party's utility function is its table of utilities,
the same numbers entente computes (bit for bit NegMAS's for linear additive
utilities). A NegMAS utility function can be given instead.

Requires ``negmas`` 0.16 (``pip install "negmas==0.16.*"``).
"""

from __future__ import annotations

from typing import Any, List, Optional, Sequence

__all__ = ["NegmasSeat", "outcome_space", "ufuns", "negmas_mechanism", "outcomes"]


def outcome_space(scenario):
    """The NegMAS outcome space of an entente scenario (issues and values in entente's order)."""
    from negmas.outcomes import make_issue, make_os

    return make_os([make_issue(list(values), name) for name, values in scenario.issues], name=scenario.name)


def outcomes(scenario) -> List[tuple]:
    """Every outcome as a NegMAS outcome (a tuple of values), in entente's index order."""
    return list(outcome_space(scenario).enumerate())


def ufuns(scenario, os=None) -> list:
    """Each party's utility function as a NegMAS ``MappingUtilityFunction`` over entente's utilities."""
    from negmas.preferences import MappingUtilityFunction

    os = os if os is not None else outcome_space(scenario)
    outs = list(os.enumerate())
    table = scenario.utility_table()
    rvs = scenario.reservations()
    result = []
    for k, name in enumerate(scenario.parties):
        mapping = dict(zip(outs, table[k]))
        rv = rvs[k] if rvs[k] is not None else float("-inf")
        result.append(MappingUtilityFunction(mapping, outcome_space=os, reserved_value=rv, name=name))
    return result


def negmas_mechanism(scenario, negotiators: Sequence[Any], ufuns_: Optional[Sequence[Any]] = None, **kwargs):
    """NegMAS's own ``SAOMechanism`` on the same scenario, with ``negotiators`` in party order.

    For comparisons: run it with ``.run()``; its ``full_trace`` lists the offers.
    """
    from negmas.sao import SAOMechanism

    os = outcome_space(scenario)
    us = list(ufuns_) if ufuns_ is not None else ufuns(scenario, os)
    mech = SAOMechanism(outcome_space=os, n_steps=scenario.n_steps, **kwargs)
    for n, u in zip(negotiators, us):
        mech.add(n, ufun=u)
    return mech


class NegmasSeat:
    """A NegMAS ``SAONegotiator`` in seat ``party`` of an entente negotiation.

    Pass it as that party's strategy to :func:`entente.run`. One seat serves
    one negotiation (a NegMAS negotiator joins one mechanism).
    """

    def __init__(self, negotiator, scenario, party: int, *, ufun=None, **mechanism_kwargs):
        from negmas.sao import SAOMechanism

        if isinstance(party, str):
            party = scenario.parties.index(party)
        self.negotiator = negotiator
        self.party = party
        self.n = len(scenario.parties)
        self.os = outcome_space(scenario)
        self.outcomes = list(self.os.enumerate())
        self.index = {o: i for i, o in enumerate(self.outcomes)}
        own = ufun if ufun is not None else ufuns(scenario, self.os)[party]
        self.mechanism = SAOMechanism(outcome_space=self.os, n_steps=scenario.n_steps, **mechanism_kwargs)
        for k, name in enumerate(scenario.parties):
            if k == party:
                self.mechanism.add(negotiator, ufun=own)
            else:
                self.mechanism.add(_Placeholder(name=name), ufun=ufuns(scenario, self.os)[k] if ufun is None else None)
        self.ids = [n.id for n in self.mechanism.negotiators]
        self._round: Optional[int] = None
        self._pending: Optional[tuple] = None  # (round, counter-offer) after a rejection

    # -- the state NegMAS's mechanism would hand the negotiator -------------

    def _enter(self, round_: int) -> None:
        """Brings the shadow mechanism to ``round_``, with the callbacks NegMAS sends at round boundaries."""
        mech, st = self.mechanism, self.mechanism._current_state
        if self._round is None:
            st.running, st.started, st.step = True, True, 0
            st.relative_time = mech._relative_time_for(mech._internal_nmi)
            self.negotiator._on_negotiation_start(mech.state_for(self.negotiator))
            self._round = 0
            if round_ == 0:
                self._round_start()
        while self._round < round_:
            if mech._extra_callbacks:
                self.negotiator.on_round_end(mech.state_for(self.negotiator))
            self._round += 1
            st.step = self._round
            st.relative_time = mech._relative_time_for(mech._internal_nmi)
            st.new_offers, st.new_data = [], []
            self._round_start()

    def _round_start(self) -> None:
        if self.mechanism._extra_callbacks:
            self.negotiator.on_round_start(self.mechanism.state_for(self.negotiator))

    def _partner_offer(self, offer: int) -> None:
        mech, st = self.mechanism, self.mechanism._current_state
        proposer = self.ids[(self.party - 1) % self.n]
        outcome = self.outcomes[offer]
        st.current_offer, st.current_proposer = outcome, proposer
        st.n_acceptances = 1 if mech._internal_nmi.offering_is_accepting else 0
        st.new_offers.append((proposer, outcome))
        st.new_data.append((proposer, None))
        if mech._extra_callbacks:
            self.negotiator.on_partner_proposal(partner_id=proposer, offer=outcome, state=mech.state)

    def _call(self):
        from negmas.sao import SAOResponse

        dest = self.ids[(self.party + 1) % self.n]
        resp = self.negotiator(self.mechanism.state_for(self.negotiator), dest=dest)
        if not isinstance(resp, SAOResponse):
            raise TypeError(f"{type(self.negotiator).__name__} answered {resp!r}, not an SAOResponse")
        return resp

    def _index(self, outcome) -> Optional[int]:
        if outcome is None:
            return None
        outcome = getattr(outcome, "outcome", outcome)  # ExtendedOutcome
        if outcome is None:
            return None
        try:
            return self.index[tuple(outcome)]
        except KeyError:
            raise ValueError(f"{type(self.negotiator).__name__} offered {outcome!r}, not an outcome of the scenario")

    def _offered(self, index: Optional[int]) -> None:
        st = self.mechanism._current_state
        if index is not None:
            me = self.ids[self.party]
            st.current_offer, st.current_proposer = self.outcomes[index], me
            st.new_offers.append((me, self.outcomes[index]))

    # -- entente's negotiator interface --------------------------------------

    def propose(self, round_: int, t: float) -> Optional[int]:
        if self._pending is not None and self._pending[0] == round_:
            index = self._pending[1]
            self._pending = None
            self._offered(index)
            return index
        self._enter(round_)
        st = self.mechanism._current_state
        st.current_offer, st.current_proposer, st.n_acceptances = None, None, 0
        index = self._index(self._call().outcome)
        self._offered(index)
        return index

    def respond(self, round_: int, t: float, offer: int) -> str:
        from negmas.gb.common import ResponseType

        if self.party == 0:
            # The offer was made in the previous round (by the last party).
            self._partner_offer(offer)
            self._enter(round_)
        else:
            self._enter(round_)
            self._partner_offer(offer)
        resp = self._call()
        if resp.response == ResponseType.ACCEPT_OFFER:
            return "accept"
        if resp.response == ResponseType.REJECT_OFFER:
            self._pending = (round_, self._index(resp.outcome))
            return "reject"
        return "end"


def _placeholder_class():
    from negmas.sao import SAONegotiator

    class Placeholder(SAONegotiator):
        """Holds a seat of the shadow mechanism; entente plays it, so it is never asked."""

        def propose(self, state, dest=None):  # pragma: no cover - never called
            raise RuntimeError("a placeholder seat is never asked to propose")

        def respond(self, state, source=None):  # pragma: no cover - never called
            raise RuntimeError("a placeholder seat is never asked to respond")

    return Placeholder


def _Placeholder(**kwargs):
    global _PLACEHOLDER
    try:
        cls = _PLACEHOLDER
    except NameError:
        cls = _PLACEHOLDER = _placeholder_class()
    return cls(**kwargs)
