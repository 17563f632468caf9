//! Property tests of the package protocol: random talks (random actors,
//! agendas and any sequence of moves, legal or not, mixed with moves that make
//! progress so that many runs reach a vote and adoption).

use std::collections::{BTreeMap, BTreeSet};

use entente_protocols::package::{
    Action, Actor, ActorId, BlockReason, Capacity, ClauseId, ClauseSpec, ClauseState, Commitment, Consent, Deadline,
    Event, Move, Package, Status,
};
use proptest::prelude::*;

/// Who sits at the table, and the initial agenda.
#[derive(Clone, Debug)]
struct Setup {
    actors: Vec<Actor>,
    agenda: Vec<ClauseSpec>,
    /// Guarantors that never act.
    absent: BTreeSet<ActorId>,
}

fn setup() -> impl Strategy<Value = Setup> {
    (
        2usize..=3,
        prop::collection::vec(0usize..3, 3),
        any::<bool>(),
        0usize..=2,
        prop::collection::vec(
            (prop::collection::btree_set(0u32..5, 1..=3), any::<u8>(), any::<u8>(), any::<u8>()),
            0..=3,
        ),
        any::<u8>(),
    )
        .prop_map(|(n_parties, capitals, mediator, n_guarantors, items, absent_mask)| {
            // Ids are sparse on purpose: 7, 14, 21, ...
            let mut next = 0u32;
            let mut id = || {
                next += 7;
                next
            };
            let mut actors = Vec::new();
            let parties: Vec<ActorId> = (0..n_parties)
                .map(|i| {
                    let a = Actor::new(id(), format!("party{i}"), Capacity::Party);
                    actors.push(a.clone());
                    a.id
                })
                .collect();
            if mediator {
                actors.push(Actor::new(id(), "mediator", Capacity::Mediator));
            }
            for (i, &p) in parties.iter().enumerate() {
                for k in 0..capitals[i] {
                    actors.push(Actor::new(id(), format!("capital{i}.{k}"), Capacity::Capital { of: p }));
                }
            }
            let guarantors: Vec<ActorId> = (0..n_guarantors)
                .map(|i| {
                    let a = Actor::new(id(), format!("guarantor{i}"), Capacity::Guarantor);
                    actors.push(a.clone());
                    a.id
                })
                .collect();
            let absent =
                guarantors.iter().enumerate().filter(|(i, _)| absent_mask & (1 << i) != 0).map(|(_, g)| *g).collect();
            let agenda = items
                .into_iter()
                .enumerate()
                .map(|(i, (options, g, c, r))| {
                    item(format!("item{i}"), options.into_iter().collect(), &parties, &guarantors, g, c, r)
                })
                .collect();
            Setup { actors, agenda, absent }
        })
}

/// A well-formed item over `options`, with a guarantor, a commitment and a raiser by the selectors.
fn item(
    title: String,
    options: Vec<u32>,
    parties: &[ActorId],
    guarantors: &[ActorId],
    g: u8,
    c: u8,
    r: u8,
) -> ClauseSpec {
    let mut spec = ClauseSpec::new(title, options.clone());
    if !guarantors.is_empty() && g.is_multiple_of(3) {
        spec.requires_consent = Some(guarantors[g as usize % guarantors.len()]);
    }
    if c.is_multiple_of(3) {
        let guarantor = if spec.requires_consent.is_none() && !guarantors.is_empty() && c.is_multiple_of(2) {
            Some(guarantors[c as usize % guarantors.len()])
        } else {
            spec.requires_consent
        };
        let deadline = if c.is_multiple_of(4) {
            Some(Deadline::Days(u32::from(c)))
        } else {
            Some(Deadline::PerOption(options.iter().map(|&o| (o, 30 * (o + 1))).collect()))
        };
        spec.commitment = Some(Commitment { obligor: Some(parties[c as usize % parties.len()]), deadline, guarantor });
    }
    if r.is_multiple_of(2) {
        spec.raised_by = Some(parties[r as usize % parties.len()]);
    }
    spec
}

/// The raw material of one move.
#[derive(Clone, Debug)]
struct Choice {
    mode: u8,
    kind: u8,
    who: u8,
    clause: u8,
    a: u8,
    b: u8,
    dt: u8,
    flag: bool,
}

fn choice() -> impl Strategy<Value = Choice> {
    (any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>(), any::<bool>())
        .prop_map(|(mode, kind, who, clause, a, b, dt, flag)| Choice { mode, kind, who, clause, a, b, dt, flag })
}

fn pick<T: Copy>(items: &[T], k: u8) -> Option<T> {
    (!items.is_empty()).then(|| items[k as usize % items.len()])
}

fn with_role(p: &Package, f: impl Fn(Capacity) -> bool) -> Vec<ActorId> {
    p.actors().iter().filter(|a| f(a.role)).map(|a| a.id).collect()
}

fn chair(p: &Package) -> Vec<ActorId> {
    let m = with_role(p, |r| r == Capacity::Mediator);
    if m.is_empty() { with_role(p, |r| r == Capacity::Party) } else { m }
}

/// A move that moves the talks forward, if there is one (absent guarantors never act).
fn progress(p: &Package, s: &Setup, c: &Choice, time: u64) -> Option<Move> {
    let parties: Vec<ActorId> = p.parties().collect();
    let mv = |actor, action| Some(Move::new(actor, time, action));
    if let Status::Voting { yes, .. } = p.status() {
        let voter = parties.iter().copied().find(|q| !yes.contains(q))?;
        // Mostly yes: a no now and then.
        return mv(voter, Action::Vote { yes: c.a >= 40 });
    }
    let blockers = p.blockers();
    if blockers.is_empty() {
        return mv(pick(&chair(p), c.who)?, Action::CallVote);
    }
    let blocker = &blockers[c.clause as usize % blockers.len()];
    let clause = blocker.clause;
    let options = &p.clause(clause)?.options;
    match &blocker.why {
        BlockReason::Open => {
            let k = 1 + c.b as usize % options.len();
            let start = c.a as usize % options.len();
            let chosen = (0..k).map(|i| options[(start + i) % options.len()]).collect();
            let proposer = pick(&with_role(p, |r| matches!(r, Capacity::Party | Capacity::Mediator)), c.who)?;
            mv(proposer, Action::Propose { clause, options: chosen })
        }
        BlockReason::Bracketed { options, agreements, waiting_for } => {
            // Converge on the first agreement's option (or the first bracketed option).
            let target = agreements.first().map(|(_, o)| *o).unwrap_or(options[0]);
            if options.len() > 1 && c.b.is_multiple_of(4) {
                // Narrow the brackets to the target.
                let actor = pick(&with_role(p, |r| matches!(r, Capacity::Party | Capacity::Mediator)), c.who)?;
                return mv(actor, Action::Rebracket { clause, options: vec![target] });
            }
            let party = match pick(waiting_for, c.who) {
                Some(q) => q,
                None => agreements.iter().find(|(_, o)| *o != target)?.0,
            };
            mv(party, Action::AgreeAdRef { clause, option: target })
        }
        BlockReason::AwaitingCapitals { waiting_for, .. } => mv(pick(waiting_for, c.who)?, Action::Confirm { clause }),
        BlockReason::AwaitingConsent { guarantor, .. } => {
            if s.absent.contains(guarantor) {
                return None;
            }
            mv(*guarantor, Action::Consent { clause, given: true })
        }
        BlockReason::Reopened { .. } => mv(
            pick(&with_role(p, |r| matches!(r, Capacity::Party | Capacity::Mediator)), c.who)?,
            Action::Restart { clause },
        ),
    }
}

/// Any move: a random action by an actor that may or may not be entitled to it.
fn random_move(p: &Package, s: &Setup, c: &Choice, time: u64) -> Move {
    let n_clauses = p.clauses().len() as u32 + 1; // one past the end: unknown clauses too
    let clause = ClauseId(u32::from(c.clause) % n_clauses);
    let options: Vec<u32> = {
        let mut o = vec![u32::from(c.a % 6)];
        if !c.b.is_multiple_of(3) {
            o.push(u32::from(c.b % 6));
        }
        o
    };
    let action = match c.kind % 14 {
        0 => Action::Propose { clause, options },
        1 => Action::Rebracket { clause, options },
        2 => Action::AgreeAdRef { clause, option: u32::from(c.a % 6) },
        3 => Action::Confirm { clause },
        4 => Action::Decline { clause },
        5 => Action::Consent { clause, given: c.flag },
        6 => Action::Reopen { clause },
        7 => Action::Restart { clause },
        8 => {
            let parties: Vec<ActorId> = p.parties().collect();
            let guarantors = with_role(p, |r| r == Capacity::Guarantor);
            let mut spec = item(format!("tabled{}", c.a), options, &parties, &guarantors, c.a, c.b, c.dt);
            if c.flag && c.b.is_multiple_of(5) {
                spec.options.push(spec.options[0]); // a malformed item
            }
            Action::Table { item: spec }
        }
        9 => Action::Withdraw { clause },
        10 => Action::CallVote,
        11 => Action::Vote { yes: c.flag },
        12 => Action::CancelVote,
        // Ending is final: keep it rare.
        _ if c.a < 8 => Action::End,
        _ => Action::Reopen { clause },
    };
    // Mostly an actor of the role the action needs; sometimes anyone, or a stranger.
    let everyone: Vec<ActorId> = p.actors().iter().map(|a| a.id).filter(|a| !s.absent.contains(a)).collect();
    let entitled: Vec<ActorId> = match &action {
        Action::AgreeAdRef { .. } | Action::Reopen { .. } | Action::Vote { .. } => {
            with_role(p, |r| r == Capacity::Party)
        }
        Action::Confirm { .. } | Action::Decline { .. } => with_role(p, |r| matches!(r, Capacity::Capital { .. })),
        Action::Consent { .. } => with_role(p, |r| r == Capacity::Guarantor),
        Action::CallVote | Action::CancelVote | Action::End => chair(p),
        _ => with_role(p, |r| matches!(r, Capacity::Party | Capacity::Mediator)),
    };
    let actor = match c.who % 8 {
        0 => ActorId(1000),
        1 | 2 => pick(&everyone, c.b).unwrap_or(ActorId(1000)),
        _ => pick(&entitled, c.b).unwrap_or(ActorId(1000)),
    };
    let mut m = Move::new(actor, time, action);
    if c.flag {
        m.reason = Some(format!("reason {}", c.dt).into());
    }
    m
}

fn next_move(p: &Package, s: &Setup, c: &Choice) -> Move {
    // Time: mostly the same minute or a little later, sometimes back in time.
    let time =
        if c.dt >= 245 { p.time().saturating_sub(1 + u64::from(c.dt % 4)) } else { p.time() + u64::from(c.dt % 3) };
    if c.mode % 10 < 7
        && let Some(m) = progress(p, s, c, time)
    {
        return m;
    }
    random_move(p, s, c, time)
}

/// What must hold of every state the machine can reach.
fn check_state(p: &Package) -> Result<(), TestCaseError> {
    let parties: BTreeSet<ActorId> = p.parties().collect();
    for (i, c) in p.clauses().iter().enumerate() {
        prop_assert_eq!(c.id, ClauseId(i as u32));
        let consent_ok = c.consent.is_none_or(|g| g.consent == Consent::Given);
        match c.state {
            ClauseState::Open => prop_assert!(c.brackets.is_empty() && c.agreed.is_none() && c.agreements.is_empty()),
            ClauseState::Bracketed => {
                prop_assert!(!c.brackets.is_empty() && c.agreed.is_none());
                prop_assert!(c.brackets.iter().all(|o| c.options.contains(o)));
                prop_assert!(c.agreements.iter().all(|(q, o)| parties.contains(q) && c.brackets.contains(o)));
                // Unanimity on one option would have moved the clause on.
                let same: BTreeSet<u32> = c.agreements.values().copied().collect();
                prop_assert!(!(c.agreements.len() == parties.len() && same.len() == 1));
            }
            ClauseState::AdRef => prop_assert!(c.agreed.is_some_and(|o| c.brackets.contains(&o))),
            ClauseState::Provisional => {
                prop_assert!(c.agreed.is_some() && consent_ok, "PROVISIONAL without option or consent: {:?}", c)
            }
            ClauseState::Reopened => prop_assert!(c.agreed.is_some()),
            ClauseState::Withdrawn => {}
        }
    }
    Ok(())
}

/// The parties that voted yes since the last call for a vote.
fn yes_votes(log: &[Event]) -> BTreeSet<ActorId> {
    let start = log.iter().rposition(|e| matches!(e, Event::VoteCalled { .. })).map_or(0, |i| i + 1);
    log[start..].iter().filter(|&e| matches!(e, Event::VoteCast { yes: true, .. })).map(|e| e.actor()).collect()
}

/// Runs the talks; checks every move's invariants; returns the final state and log.
fn run(s: &Setup, choices: &[Choice]) -> Result<(Package, Vec<Event>, Vec<Move>), TestCaseError> {
    let mut p = Package::new(s.actors.clone(), s.agenda.clone()).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut log: Vec<Event> = Vec::new();
    let mut accepted = Vec::new();
    for c in choices {
        let m = next_move(&p, s, c);
        let before = p.clone();
        let mut events = Vec::new();
        if let Err(error) = p.act(&m, &mut |e| events.push(e)) {
            // Refused: nothing emitted, nothing changed, and `check` says the same.
            prop_assert!(events.is_empty());
            prop_assert_eq!(&p, &before);
            prop_assert_eq!(p.check(&m), Err(error));
            continue;
        }
        prop_assert!(!events.is_empty(), "an accepted move emitted nothing: {:?}", m);
        prop_assert!(!before.is_closed(), "a closed package accepted {:?}", m);
        prop_assert_eq!(p.time(), m.time);
        for e in &events {
            // Every event carries the move's time; time never goes back in the log.
            prop_assert_eq!(e.time(), m.time);
            prop_assert!(log.last().is_none_or(|l| l.time() <= e.time()));
            prop_assert_eq!(e.actor(), m.actor);
        }
        // Every change of a clause's state is logged as a chain of transitions
        // from the old state to the new one, with the move's actor, time and reason.
        for c in p.clauses() {
            let from = before.clause(c.id).map(|b| b.state);
            let chain: Vec<(ClauseState, ClauseState)> = events
                .iter()
                .filter_map(|e| match e {
                    Event::Transition { clause, from, to, reason, .. } if *clause == c.id => {
                        Some((*from, *to, reason == &m.reason))
                    }
                    _ => None,
                })
                .map(|(f, t, same_reason)| {
                    assert!(same_reason, "a transition without the move's reason");
                    (f, t)
                })
                .collect();
            match from {
                None => {
                    prop_assert!(chain.is_empty());
                    prop_assert_eq!(c.state, ClauseState::Open);
                    let tabled =
                        events.iter().any(|e| matches!(e, Event::ItemTabled { clause, .. } if *clause == c.id));
                    prop_assert!(tabled);
                }
                Some(from) if chain.is_empty() => prop_assert_eq!(from, c.state, "{:?} changed unlogged", c.id),
                Some(from) => {
                    prop_assert_eq!(chain[0].0, from);
                    prop_assert!(chain.windows(2).all(|w| w[0].1 == w[1].0));
                    prop_assert_eq!(chain[chain.len() - 1].1, c.state);
                }
            }
        }
        for e in &events {
            if let Event::Transition { to: ClauseState::Reopened, from, actor, .. } = e {
                // Every reopening: from PROVISIONAL, by a party, the move's own.
                prop_assert_eq!(*from, ClauseState::Provisional);
                prop_assert_eq!(p.actor(*actor).map(|a| a.role), Some(Capacity::Party));
                let is_reopen = matches!(m.action, Action::Reopen { .. });
                prop_assert!(is_reopen);
            }
            if let Event::Adopted { package, .. } = e {
                // Adoption: every live clause PROVISIONAL with its consent, every party voted yes.
                let live: Vec<_> = before.clauses().iter().filter(|c| c.state != ClauseState::Withdrawn).collect();
                prop_assert!(!live.is_empty());
                for c in &live {
                    prop_assert_eq!(c.state, ClauseState::Provisional);
                    prop_assert!(c.consent.is_none_or(|g| g.consent == Consent::Given));
                }
                let adopted: Vec<(ClauseId, u32)> = package.iter().map(|a| (a.clause, a.option)).collect();
                let text: Vec<(ClauseId, u32)> = live.iter().map(|c| (c.id, c.agreed.unwrap_or(u32::MAX))).collect();
                prop_assert_eq!(adopted, text);
                let mut all = log.clone();
                all.extend(events.iter().cloned());
                prop_assert_eq!(yes_votes(&all), p.parties().collect::<BTreeSet<_>>());
            }
        }
        prop_assert_eq!(
            events.iter().any(|e| matches!(e, Event::Adopted { .. })),
            p.is_adopted(),
            "adopted without an Adopted event, or the reverse"
        );
        check_state(&p)?;
        log.extend(events);
        accepted.push(m);
    }
    Ok((p, log, accepted))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, .. ProptestConfig::default() })]

    /// Random talks keep every invariant; the log replays to the same state, and
    /// so do the accepted moves; state and log survive JSON.
    #[test]
    fn talks_keep_their_invariants_and_replay(s in setup(), choices in prop::collection::vec(choice(), 0..250)) {
        let (p, log, moves) = run(&s, &choices)?;

        let replayed = Package::replay(s.actors.clone(), s.agenda.clone(), &log);
        prop_assert_eq!(replayed.as_ref(), Ok(&p));

        let mut q = Package::new(s.actors.clone(), s.agenda.clone()).unwrap();
        let mut log2 = Vec::new();
        for m in &moves {
            q.act(m, &mut |e| log2.push(e)).unwrap();
        }
        prop_assert_eq!(&q, &p);
        prop_assert_eq!(&log2, &log);

        let json = serde_json::to_string(&log).unwrap();
        let back: Vec<Event> = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&back, &log);
        let json = serde_json::to_string(&p).unwrap();
        let back: Package = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&back, &p);
        let json = serde_json::to_string(&moves).unwrap();
        let back: Vec<Move> = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&back, &moves);

        // Once closed, every move is refused.
        if p.is_closed() {
            let mut r = p.clone();
            for c in choices.iter().take(20) {
                let m = next_move(&r, &s, c);
                let refused = r.act(&m, &mut |_| {}).is_err();
                prop_assert!(refused);
            }
            r.act(&Move::new(ActorId(7), u64::MAX, Action::End), &mut |_| {}).unwrap_err();
            prop_assert_eq!(&r, &p);
        }
    }

    /// Cooperative talks (every guarantor present, every move a step forward,
    /// every vote yes) always end in adoption of the agreed text.
    #[test]
    fn cooperative_talks_adopt(s in setup(), choices in prop::collection::vec(choice(), 400)) {
        let s = Setup { absent: BTreeSet::new(), ..s };
        let mut p = Package::new(s.actors.clone(), s.agenda.clone()).unwrap();
        let mut log = Vec::new();
        // Table one more item if the agenda is empty: an empty package cannot be adopted.
        if p.clauses().is_empty() {
            let actor = p.parties().next().unwrap();
            p.act(&Move::new(actor, 0, Action::Table { item: ClauseSpec::new("extra", [1, 2]) }), &mut |e| log.push(e)).unwrap();
        }
        for c in &choices {
            if p.is_adopted() {
                break;
            }
            let c = Choice { a: c.a.max(40), ..c.clone() }; // only yes votes
            let m = progress(&p, &s, &c, p.time() + 1);
            prop_assert!(m.is_some(), "stuck: {:?}", p.blockers());
            let m = m.unwrap();
            prop_assert!(p.act(&m, &mut |e| log.push(e)).is_ok(), "refused: {:?}", m);
        }
        prop_assert!(p.is_adopted(), "not adopted: {:?}", p.blockers());
        let text: Vec<_> = p.current_text().into_iter().map(|(c, o)| (c, o.unwrap())).collect();
        let adopted: Vec<_> = p.adopted().unwrap().iter().map(|a| (a.clause, a.option)).collect();
        prop_assert_eq!(text, adopted);
        prop_assert_eq!(p.closure_ratio(), 1.0);
        prop_assert_eq!(Package::replay(s.actors.clone(), s.agenda.clone(), &log), Ok(p));
    }
}

/// The random talks reach adoption, reopenings, failed votes and refusals
/// often enough for the properties above to mean something.
#[test]
fn the_generator_covers_the_interesting_cases() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for _ in 0..300 {
        let s = setup().new_tree(&mut runner).unwrap().current();
        let choices = prop::collection::vec(choice(), 250).new_tree(&mut runner).unwrap().current();
        let (p, log, _) = run(&s, &choices).unwrap();
        let mut count = |k: &'static str, b: bool| *seen.entry(k).or_default() += usize::from(b);
        count("adopted", p.is_adopted());
        count("ended", matches!(p.status(), Status::Ended { .. }));
        count("reopened", log.iter().any(|e| matches!(e, Event::Transition { to: ClauseState::Reopened, .. })));
        count("declined", log.iter().any(|e| matches!(e, Event::CapitalDecided { confirmed: false, .. })));
        count("vote failed", log.iter().any(|e| matches!(e, Event::VoteFailed { .. })));
        count("tabled", log.iter().any(|e| matches!(e, Event::ItemTabled { .. })));
        count("withdrawn", log.iter().any(|e| matches!(e, Event::Transition { to: ClauseState::Withdrawn, .. })));
        count("consent", log.iter().any(|e| matches!(e, Event::Consent { given: true, .. })));
        count("refused consent", log.iter().any(|e| matches!(e, Event::Consent { given: false, .. })));
        count(
            "rebracketed",
            log.iter().enumerate().any(|(i, e)| {
                matches!(e, Event::Bracketed { .. }) && !matches!(log.get(i + 1), Some(Event::Transition { .. }))
            }),
        );
    }
    for (k, n) in &seen {
        assert!(*n >= 10, "only {n} of 300 runs with {k}: {seen:?}");
    }
    assert_eq!(seen.len(), 10);
}
