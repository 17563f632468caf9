"""NegMAS negotiators at entente's table.

A NegMAS ``SAONegotiator`` (any subclass, unchanged) takes a seat in an entente
negotiation through :class:`NegmasSeat`::

    import entente
    from entente.negmas import NegmasSeat
    from negmas.sao import AspirationNegotiator

    sc = entente.load("scenarios/car-purchase.toml")
    result = entente.run(sc, strategies={0: NegmasSeat(AspirationNegotiator(), sc, 0), 1: "conceder"})
    # several NegMAS negotiators: one table
    result = entente.run(sc, strategies=seat(sc, {0: AspirationNegotiator(), 1: NaiveTitForTatNegotiator()}))

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

__all__ = ["NegmasTable", "NegmasSeat", "seat", "EntenteNegotiator", "outcome_space", "ufuns", "negmas_mechanism", "outcomes"]


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


class NegmasTable:
    """The NegMAS side of one entente negotiation: the NegMAS negotiators in their seats.

    ``negotiators`` maps a party (index or name) to a NegMAS ``SAONegotiator``;
    the other parties play entente's native strategies. :meth:`strategies`
    gives the seats to pass to :func:`entente.run`. The table calls the
    negotiators as NegMAS's ``SAOMechanism`` does, in the same order: at each
    round's start one draw of Python's global ``random`` (as ``Mechanism.step``
    does), ``on_negotiation_start`` (first round) and ``on_round_start`` for every
    negotiator, then the turns (``negotiator(state, dest)``), with
    ``on_partner_proposal`` and ``on_partner_response`` sent to the others as
    the offers and answers happen, and ``on_round_end`` at the round's end.
    An offer of a native seat reaches the NegMAS negotiators when the next
    NegMAS seat faces it.
    """

    def __init__(self, scenario, negotiators, *, ufuns=None, wall_clock=True, **mechanism_kwargs):
        from negmas.sao import SAOMechanism

        # NegMAS's Mechanism.step draws the global random stream once more whenever the
        # whole number of elapsed seconds grows; so does the table unless wall_clock=False
        # (for comparisons with a NegMAS run whose clock is frozen).
        self.wall_clock = wall_clock
        self._start = None
        self._last_second = 0

        self.n = len(scenario.parties)
        self.os = outcome_space(scenario)
        self.outcomes = list(self.os.enumerate())
        self.index = {o: i for i, o in enumerate(self.outcomes)}
        seats = {}
        for party, negotiator in dict(negotiators).items():
            k = scenario.parties.index(party) if isinstance(party, str) else int(party)
            if not 0 <= k < self.n:
                raise ValueError(f"no party {party!r}; the parties are {', '.join(scenario.parties)}")
            seats[k] = negotiator
        us = list(ufuns) if ufuns is not None else ufuns_of(scenario, self.os)
        self.mechanism = SAOMechanism(outcome_space=self.os, n_steps=scenario.n_steps, **mechanism_kwargs)
        for k, name in enumerate(scenario.parties):
            self.mechanism.add(seats.get(k) or _Placeholder(name=name), ufun=us[k])
        self.seats = seats
        self.ids = [n.id for n in self.mechanism.negotiators]
        self.round = None
        self._pending = {}  # party -> (round, counter-offer index) after a rejection

    def strategies(self):
        """``{party index: seat}`` for :func:`entente.run`'s ``strategies``."""
        return {k: _Seat(self, k) for k in self.seats}

    # -- the shadow mechanism's state --------------------------------------

    @property
    def _state(self):
        return self.mechanism._current_state

    def _real(self):
        return [(k, self.seats[k]) for k in sorted(self.seats)]

    def _enter(self, round_: int) -> None:
        import random

        mech, st = self.mechanism, self._state
        extra = mech._extra_callbacks
        if self.round is None:
            random.random()  # Mechanism.step's draw, before on_negotiation_start
            if self.wall_clock:
                import time

                self._start = time.perf_counter()
            st.running, st.started, st.step = True, True, 0
            st.relative_time = mech._relative_time_for(mech._internal_nmi)
            for _, neg in self._real():
                neg._on_negotiation_start(mech.state_for(neg))
            self.round = 0
            if extra:
                for _, neg in self._real():
                    neg.on_round_start(mech.state_for(neg))
        while self.round < round_:
            if extra:
                for _, neg in self._real():
                    neg.on_round_end(mech.state_for(neg))
            self.round += 1
            st.step = self.round
            st.relative_time = mech._relative_time_for(mech._internal_nmi)
            st.new_offers, st.new_data = [], []
            random.random()
            if self.wall_clock and self._start is not None:
                import time

                elapsed = int(time.perf_counter() - self._start)
                if self._last_second < elapsed:
                    random.random()
                    self._last_second = elapsed
            if extra:
                for _, neg in self._real():
                    neg.on_round_start(mech.state_for(neg))

    def _offered(self, party: int, index) -> None:
        """Party ``party`` offered outcome ``index``: the state changes and the others hear of it."""
        if index is None:
            return
        st, pid, outcome = self._state, self.ids[party], self.outcomes[index]
        st.n_acceptances = 1 if self.mechanism._internal_nmi.offering_is_accepting else 0
        if self.mechanism._extra_callbacks:
            for k, neg in self._real():
                if k != party:
                    neg.on_partner_proposal(partner_id=pid, offer=outcome, state=self.mechanism.state)
        st.current_offer, st.current_proposer = outcome, pid
        st.new_offers.append((pid, outcome))
        st.new_data.append((pid, None))

    def _responded(self, party: int, response) -> None:
        st = self._state
        if self.mechanism._extra_callbacks and st.current_offer is not None:
            for k, neg in self._real():
                if k != party:
                    neg.on_partner_response(
                        state=self.mechanism.state_for(neg), partner_id=self.ids[party], outcome=st.current_offer, response=response
                    )

    def _call(self, party: int):
        from negmas.sao import SAOResponse

        neg = self.seats[party]
        dest = self.ids[(party + 1) % self.n]
        state = self.mechanism.state_for(neg)
        if self.ids[party] == self._state.current_proposer and self.mechanism._internal_nmi.offering_is_accepting:
            self._state.n_acceptances = 0
        # As SAOMechanism._safe_counter: with `dest`, and again without it if that raised.
        try:
            resp = neg(state, dest=dest)
        except Exception:
            resp = neg(state)
        if not isinstance(resp, SAOResponse):
            raise TypeError(f"{type(neg).__name__} answered {resp!r}, not an SAOResponse")
        self._responded(party, resp.response)
        return resp

    def _index(self, party: int, outcome):
        outcome = getattr(outcome, "outcome", outcome)  # ExtendedOutcome
        if outcome is None:
            return None
        try:
            return self.index[tuple(outcome)]
        except (KeyError, TypeError):
            name = type(self.seats[party]).__name__
            raise ValueError(f"{name} offered {outcome!r}, not an outcome of the scenario") from None

    # -- entente's turns ----------------------------------------------------

    def propose(self, party: int, round_: int) -> Optional[int]:
        pending = self._pending.pop(party, None)
        if pending is not None and pending[0] == round_:
            self._offered(party, pending[1])
            return pending[1]
        self._enter(round_)
        st = self._state
        st.current_offer, st.current_proposer, st.n_acceptances = None, None, 0
        index = self._index(party, self._call(party).outcome)
        self._offered(party, index)
        return index

    def respond(self, party: int, round_: int, offer: int) -> str:
        from negmas.gb.common import ResponseType

        previous = (party - 1) % self.n
        st = self._state
        native_offer = previous not in self.seats or st.current_offer != self.outcomes[offer]
        if party == 0:
            # The offer was made in the previous round, by the last party.
            if native_offer:
                self._offered(previous, offer)
            self._enter(round_)
        else:
            self._enter(round_)
            if native_offer:
                self._offered(previous, offer)
        resp = self._call(party)
        if resp.response == ResponseType.ACCEPT_OFFER:
            st.n_acceptances += 1
            return "accept"
        if resp.response == ResponseType.REJECT_OFFER:
            self._pending[party] = (round_, self._index(party, resp.outcome))
            return "reject"
        return "end"


class _Seat:
    """One NegMAS negotiator's seat: what entente calls (``propose``, ``respond``)."""

    def __init__(self, table: NegmasTable, party: int):
        self.table, self.party = table, party

    def propose(self, round_: int, t: float) -> Optional[int]:
        return self.table.propose(self.party, round_)

    def respond(self, round_: int, t: float, offer: int) -> str:
        return self.table.respond(self.party, round_, offer)


def NegmasSeat(negotiator, scenario, party, **kwargs):
    """A single NegMAS negotiator in seat ``party`` (the others play entente's strategies).

    With several NegMAS negotiators in one negotiation, seat them at one
    :class:`NegmasTable` instead, so that the callbacks and the draws of the
    global random stream happen once per round, as under NegMAS.
    """
    if isinstance(party, str):
        party = scenario.parties.index(party)
    return NegmasTable(scenario, {party: negotiator}, **kwargs).strategies()[party]


def seat(scenario, negotiators, **kwargs):
    """``{party: NegMAS negotiator}`` seated at one :class:`NegmasTable`: the ``strategies`` for :func:`entente.run`."""
    return NegmasTable(scenario, negotiators, **kwargs).strategies()


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


ufuns_of = ufuns


def _entente_negotiator_class():
    from negmas.gb.common import ResponseType
    from negmas.sao import SAONegotiator

    from . import _entente

    class EntenteNegotiator(SAONegotiator):
        """One of entente's strategies as a NegMAS negotiator, for NegMAS's ``SAOMechanism``.

        ``strategy`` is a built-in's name or a dict with parameters; it plays for
        ``party`` of ``scenario`` (entente's utilities of that party; give the
        mechanism the same party's utility function). Offers are NegMAS
        outcomes of :func:`outcome_space`; the round and relative time come from
        the ``SAOState``.
        """

        def __init__(self, strategy, scenario, party, *, seed=None, n_steps=None, tie_order="numpy", **kwargs):
            super().__init__(**kwargs)
            self._native = _entente.NativeNegotiator(
                scenario, party, strategy, seed=seed, n_steps=n_steps, tie_order=tie_order
            )
            self._outcomes = outcomes(scenario)
            self._index = {o: i for i, o in enumerate(self._outcomes)}

        def propose(self, state, dest=None):
            i = self._native.propose(state.step, state.relative_time)
            return None if i is None else self._outcomes[i]

        def respond(self, state, source=None):
            offer = state.current_offer
            if offer is None:
                return ResponseType.REJECT_OFFER
            answer = self._native.respond(state.step, state.relative_time, self._index[tuple(offer)])
            return {
                "accept": ResponseType.ACCEPT_OFFER,
                "reject": ResponseType.REJECT_OFFER,
            }.get(answer, ResponseType.END_NEGOTIATION)

    return EntenteNegotiator


def EntenteNegotiator(strategy, scenario, party, *, seed=None, n_steps=None, tie_order="numpy", **kwargs):
    """entente's ``strategy`` playing for ``party`` of ``scenario`` as a NegMAS ``SAONegotiator``.

    Among outcomes of equal utility it picks as NegMAS does (``tie_order="numpy"``,
    numpy's argsort under AVX2) unless ``tie_order="stable"``. ``kwargs`` go to
    ``SAONegotiator`` (``name=...``). Example::

        mech = negmas_mechanism(sc, [EntenteNegotiator("boulware", sc, 0), AspirationNegotiator()])
        mech.run()
    """
    global _ENTENTE_NEGOTIATOR
    try:
        cls = _ENTENTE_NEGOTIATOR
    except NameError:
        cls = _ENTENTE_NEGOTIATOR = _entente_negotiator_class()
    return cls(strategy, scenario, party, seed=seed, n_steps=n_steps, tie_order=tie_order, **kwargs)
