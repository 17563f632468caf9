//! Single-text talks: reproducibility, a property of the veto single text, and
//! a replication of Klein, Faratin, Sayama and Bar-Yam (2003) on random
//! domains with binary issue dependencies.

use std::collections::HashSet;

use entente_core::UtilityTable;
use entente_protocols::single_text::{
    Actor, CoMediation, Event, EventKind, Phase, ProposalRule, SingleText, SingleTextConfig, SingleTextError,
};
use entente_protocols::single_text_agents::{
    Measure, MediatorSpec, SingleTextReport, SingleTextRun, VoterSpec, run_single_text,
};
use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Klein et al.'s kind of domain: `n` binary issues and, per party, a random
/// influence matrix `H` (entries uniform in `[−1, 1]`, upper triangle with the
/// diagonal): `u(c) = Σ_{i ≤ j} H_ij c_i c_j`, rescaled to `[0, 1]` over the
/// `2^n` contracts. Issue `i` is bit `n − 1 − i` of the outcome id (the last
/// issue varies fastest, as `OutcomeSpace` enumerates).
fn interdependent(n: usize, parties: usize, seed: u64) -> Vec<UtilityTable> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..parties)
        .map(|_| {
            let h: Vec<f64> = (0..n * n).map(|_| rng.random::<f64>() * 2.0 - 1.0).collect();
            let on = |o: u32, i: usize| o >> (n - 1 - i) & 1 == 1;
            let u: Vec<f64> = (0..1u32 << n)
                .map(|o| {
                    let mut s = 0.0;
                    for i in (0..n).filter(|&i| on(o, i)) {
                        for j in (i..n).filter(|&j| on(o, j)) {
                            s += h[i * n + j];
                        }
                    }
                    s
                })
                .collect();
            let (lo, hi) = u.iter().fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
            UtilityTable::from_utilities(u.iter().map(|x| (x - lo) / (hi - lo)).collect(), f64::NEG_INFINITY).unwrap()
        })
        .collect()
}

fn run(
    n_steps: u32,
    rule: ProposalRule,
    mediator: MediatorSpec,
    voters: &[VoterSpec],
    tables: &[UtilityTable],
    seed: u64,
) -> SingleTextReport {
    let n = tables[0].len().trailing_zeros() as usize;
    let config = SingleTextRun {
        protocol: SingleTextConfig { n_steps, rule, co_mediation: CoMediation::TakeTurns },
        radices: vec![2; n],
        initial: None,
    };
    run_single_text(&config, &[mediator], voters, tables, &[], seed).unwrap()
}

// ---------------------------------------------------------------------------
// Replication of Klein et al. (2003).
//
// 40 random domains (4 parties, 10 binary issues with pairwise dependencies,
// 1,024 contracts), 500 steps, one run per domain with run seed = domain
// index. The measure is a run's final joint welfare as a share of the
// domain's best joint welfare. Arms are compared on the same domains and run
// seeds (paired); each test asserts a mean paired difference well below what
// is measured (printed with `--nocapture`; see docs/single-text.md), so that
// the fixed-seed statistical test is robust and not tuned to the last digit.

const ISSUES: usize = 10;
const PARTIES: usize = 4;
const STEPS: u32 = 500;
const DOMAINS: u64 = 40;
const HC: VoterSpec = VoterSpec::HillClimbing;
const ANNEALER: VoterSpec = VoterSpec::Annealing { t0: 0.2 };
const ANNEALING_MEDIATOR: MediatorSpec = MediatorSpec::Annealing { t0: 1.0, measure: Measure::Rejections };

struct Domain {
    tables: Vec<UtilityTable>,
    best_welfare: f64,
}

fn domains() -> Vec<Domain> {
    (0..DOMAINS)
        .map(|d| {
            let tables = interdependent(ISSUES, PARTIES, 1000 + d);
            let best_welfare = (0..tables[0].len() as u32)
                .map(|o| tables.iter().map(|t| t.utility(o)).sum::<f64>())
                .fold(f64::MIN, f64::max);
            Domain { tables, best_welfare }
        })
        .collect()
}

/// Per domain: `f` of the run of the arm.
fn arm(
    domains: &[Domain],
    rule: ProposalRule,
    mediator: MediatorSpec,
    voters: &[VoterSpec],
    f: impl Fn(&SingleTextReport, &Domain) -> f64,
) -> Vec<f64> {
    domains
        .iter()
        .enumerate()
        .map(|(seed, d)| f(&run(STEPS, rule, mediator, voters, &d.tables, seed as u64), d))
        .collect()
}

fn welfare_share(r: &SingleTextReport, d: &Domain) -> f64 {
    r.final_welfare() / d.best_welfare
}

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

/// Mean and standard error of the paired differences `a − b`.
fn paired(a: &[f64], b: &[f64]) -> (f64, f64) {
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    let m = mean(&d);
    let var = d.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (d.len() as f64 - 1.0);
    (m, (var / d.len() as f64).sqrt())
}

#[test]
fn annealing_voters_reach_higher_welfare_than_hill_climbers() {
    let ds = domains();
    let hc = arm(&ds, ProposalRule::Veto, MediatorSpec::Veto, &[HC; PARTIES], welfare_share);
    let ann = arm(&ds, ProposalRule::Veto, MediatorSpec::Veto, &[ANNEALER; PARTIES], welfare_share);
    let (diff, se) = paired(&ann, &hc);
    println!(
        "veto mediator: hill-climbing voters {:.4}, annealing voters {:.4} of the best welfare; difference {diff:.4} (s.e. {se:.4})",
        mean(&hc),
        mean(&ann)
    );
    assert!(diff >= 0.10 && diff >= 5.0 * se, "difference {diff} (s.e. {se})");
}

#[test]
fn annealing_mediator_with_truthful_voters_beats_the_veto_mediator() {
    let ds = domains();
    let veto = arm(&ds, ProposalRule::Veto, MediatorSpec::Veto, &[HC; PARTIES], welfare_share);
    let annealing =
        arm(&ds, ProposalRule::MediatorMayOverride, ANNEALING_MEDIATOR, &[VoterSpec::TRUTHFUL; PARTIES], welfare_share);
    let (diff, se) = paired(&annealing, &veto);
    println!(
        "hill-climbing (truthful) voters: veto mediator {:.4}, annealing mediator {:.4} of the best welfare; difference {diff:.4} (s.e. {se:.4})",
        mean(&veto),
        mean(&annealing)
    );
    assert!(diff >= 0.08 && diff >= 5.0 * se, "difference {diff} (s.e. {se})");
}

#[test]
fn annealing_voters_face_a_prisoners_dilemma() {
    let ds = domains();
    let party0 = |r: &SingleTextReport, _: &Domain| r.utilities[0];
    let all_anneal = arm(&ds, ProposalRule::Veto, MediatorSpec::Veto, &[ANNEALER; PARTIES], party0);
    let defects = arm(&ds, ProposalRule::Veto, MediatorSpec::Veto, &[HC, ANNEALER, ANNEALER, ANNEALER], party0);
    let all_climb = arm(&ds, ProposalRule::Veto, MediatorSpec::Veto, &[HC; PARTIES], party0);
    let (gain, se) = paired(&defects, &all_anneal);
    println!(
        "party 0's utility: all anneal {:.4}; it alone hill-climbs {:.4} (gain {gain:.4}, s.e. {se:.4}); all hill-climb {:.4}",
        mean(&all_anneal),
        mean(&defects),
        mean(&all_climb)
    );
    // Each party gains by hill-climbing when the others anneal...
    assert!(gain >= 0.10 && gain >= 5.0 * se, "gain {gain} (s.e. {se})");
    // ...yet all are better off annealing than all hill-climbing.
    let (coop, se) = paired(&all_anneal, &all_climb);
    assert!(coop >= 0.05 && coop >= 3.0 * se, "cooperation pays {coop} (s.e. {se})");
}

// ---------------------------------------------------------------------------
// Reproducibility.

/// A few arms, co-mediators included, on a few domains.
fn sample_runs(seed_offset: u64) -> Vec<SingleTextReport> {
    let ds: Vec<Vec<UtilityTable>> = (0..3).map(|d| interdependent(6, 3, 500 + d)).collect();
    let mut out = Vec::new();
    for (d, tables) in ds.iter().enumerate() {
        let seed = seed_offset + d as u64;
        out.push(run(120, ProposalRule::Veto, MediatorSpec::Veto, &[ANNEALER; 3], tables, seed));
        out.push(run(120, ProposalRule::MediatorMayOverride, ANNEALING_MEDIATOR, &[HC; 3], tables, seed));
        let config = SingleTextRun {
            protocol: SingleTextConfig {
                n_steps: 120,
                rule: ProposalRule::MediatorMayOverride,
                co_mediation: CoMediation::Any,
            },
            radices: vec![2; 6],
            initial: None,
        };
        let co = [ANNEALING_MEDIATOR, MediatorSpec::Veto];
        out.push(run_single_text(&config, &co, &[ANNEALER, HC, ANNEALER], tables, &[], seed).unwrap());
    }
    out
}

#[test]
fn the_same_seed_gives_the_same_log_whatever_the_threads() {
    let sequential = sample_runs(7);
    assert_eq!(sample_runs(7), sequential);
    // The same runs, each on its own thread, started in reverse order.
    let threaded: Vec<SingleTextReport> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4).rev().map(|_| s.spawn(|| sample_runs(7))).collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    for chunk in threaded.chunks(sequential.len()) {
        assert_eq!(chunk, &sequential[..]);
    }
    // Another seed, other logs.
    let other = sample_runs(8);
    assert!(other.iter().zip(&sequential).any(|(a, b)| a.events != b.events));
}

// ---------------------------------------------------------------------------
// Co-mediators and veto blocs through the driver.

#[test]
fn co_mediators_take_turns_with_one_shared_text() {
    let tables = interdependent(6, 3, 3);
    let config = SingleTextRun {
        protocol: SingleTextConfig {
            n_steps: 60,
            rule: ProposalRule::MediatorMayOverride,
            co_mediation: CoMediation::TakeTurns,
        },
        radices: vec![2; 6],
        initial: Some(0),
    };
    let mediators = [ANNEALING_MEDIATOR, MediatorSpec::Veto, ANNEALING_MEDIATOR];
    let r = run_single_text(&config, &mediators, &[HC; 3], &tables, &[], 5).unwrap();
    let mut text = 0;
    for e in &r.events {
        match e.kind {
            EventKind::Proposed { current, .. } => {
                // Each proposal starts from the one shared text, whoever proposed before.
                assert_eq!(current, text);
                assert_eq!(e.actor, Actor::Mediator(e.step as usize % 3));
            }
            EventKind::Kept { text: t, .. } => {
                assert_eq!(e.actor, Actor::Mediator(e.step as usize % 3));
                assert_ne!(e.step % 3, 1, "the veto co-mediator never keeps a rejected text");
                text = t;
            }
            EventKind::Accepted { text: t } => text = t,
            _ => {}
        }
    }
    assert_eq!(text, r.final_text);
    assert_eq!(r.texts.len(), 61);
    assert!(r.kept > 0);
}

#[test]
fn a_veto_bloc_can_deny_the_agreement() {
    let tables = interdependent(6, 2, 9);
    let config = SingleTextRun {
        protocol: SingleTextConfig { n_steps: 200, rule: ProposalRule::Veto, co_mediation: CoMediation::TakeTurns },
        radices: vec![2; 6],
        initial: None,
    };
    let free = run_single_text(&config, &[MediatorSpec::Veto], &[HC; 2], &tables, &[], 1).unwrap();
    assert!(free.agreement, "no reservation values: any final text is an agreement");
    // A bloc that wants the opposite of party 0 and whose reversion is what it
    // gets from the final text.
    let bloc_table =
        UtilityTable::from_utilities(tables[0].utilities().iter().map(|u| 1.0 - u).collect(), f64::NEG_INFINITY)
            .unwrap();
    let reversion = bloc_table.utility(free.final_text);
    let bloc =
        entente_protocols::single_text_agents::VetoBloc { name: "capital", table: &bloc_table, reversion, red: None };
    let vetoed = run_single_text(&config, &[MediatorSpec::Veto], &[HC; 2], &tables, &[bloc], 1).unwrap();
    assert_eq!(vetoed.events, free.events, "the bloc does not vote: it judges the final text");
    assert!(!vetoed.agreement);
    assert!(matches!(
        vetoed.objections[..],
        [entente_protocols::single_text_agents::Objection::Bloc { bloc: 0, red_line: false, .. }]
    ));
}

// ---------------------------------------------------------------------------
// Properties.

fn random_tables(n_parties: usize, n_outcomes: usize, raw: &[u32]) -> Vec<UtilityTable> {
    (0..n_parties)
        .map(|p| {
            let u = (0..n_outcomes).map(|o| raw[(p * 31 + o) % raw.len()] as f64 / 10.0).collect();
            UtilityTable::from_utilities(u, f64::NEG_INFINITY).unwrap()
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]

    /// Under the veto mediator with hill-climbing voters no party's utility
    /// ever decreases from one text to the next (it strictly rises for every
    /// party at each accepted text), and nothing is ever kept over a rejection.
    #[test]
    fn veto_hill_climbing_never_hurts_anyone(
        n_parties in 2usize..5,
        radices in prop::collection::vec(1u32..4, 1..5),
        raw in prop::collection::vec(0u32..12, 1..80),
        n_steps in 1u32..150,
        rule in prop_oneof![Just(ProposalRule::Veto), Just(ProposalRule::MediatorMayOverride)],
        seed in any::<u64>(),
    ) {
        let n_outcomes: u32 = radices.iter().product();
        let tables = random_tables(n_parties, n_outcomes as usize, &raw);
        let config = SingleTextRun {
            protocol: SingleTextConfig { n_steps, rule, co_mediation: CoMediation::TakeTurns },
            radices,
            initial: None,
        };
        let r = run_single_text(&config, &[MediatorSpec::Veto], &vec![HC; n_parties], &tables, &[], seed).unwrap();
        prop_assert_eq!(r.kept, 0);
        for w in r.texts.windows(2) {
            for t in &tables {
                prop_assert!(t.utility(w[1]) >= t.utility(w[0]));
                if w[1] != w[0] { prop_assert!(t.utility(w[1]) > t.utility(w[0])); }
            }
        }
        prop_assert_eq!(r.accepted + r.rejected, r.steps);
        prop_assert_eq!(r.texts.len() as u32, r.steps + 1);
    }

    /// Any sequence of actions, legal or not: no panic; a refused action emits
    /// nothing and changes nothing; the text changes only when every party
    /// accepted, or when the mediator role kept a proposal under the override
    /// rule; exactly one Ended event, at most n_steps steps.
    #[test]
    fn machine_invariants(
        n_parties in 2usize..4,
        n_mediators in 1usize..4,
        n_steps in 1u32..6,
        rule in prop_oneof![Just(ProposalRule::Veto), Just(ProposalRule::MediatorMayOverride)],
        co in prop_oneof![Just(CoMediation::TakeTurns), Just(CoMediation::Any)],
        actions in prop::collection::vec((0u8..4, 0usize..4, 0u32..5, any::<bool>()), 0..120),
    ) {
        let config = SingleTextConfig { n_steps, rule, co_mediation: co };
        let mut st = SingleText::new(n_parties, n_mediators, 0u32, config).unwrap();
        let mut log: Vec<Event<u32>> = Vec::new();
        for (kind, who, text, flag) in actions {
            let before = (st.phase(), st.text(), st.step(), st.votes().to_vec(), st.outcome());
            let mut events = Vec::new();
            let mut sink = |e| events.push(e);
            let r = match kind {
                0 => st.propose(who, text, &mut sink),
                1 => st.vote(who, flag, &mut sink),
                2 => st.decide(who, flag, &mut sink),
                _ => st.end(who, &mut sink),
            };
            match r {
                Ok(()) => { prop_assert!(!events.is_empty()); log.extend(events) }
                Err(e) => {
                    prop_assert!(events.is_empty());
                    prop_assert_eq!(&before, &(st.phase(), st.text(), st.step(), st.votes().to_vec(), st.outcome()));
                    if before.4.is_some() { prop_assert_eq!(e, SingleTextError::Ended); }
                }
            }
        }
        // Replay the log: the text changes only as the rule allows.
        let mut text = 0u32;
        let mut yes: HashSet<usize> = HashSet::new();
        let mut voted = 0;
        for e in &log {
            match e.kind {
                EventKind::Proposed { current, .. } => { prop_assert_eq!(current, text); yes.clear(); voted = 0; }
                EventKind::Voted { accept, .. } => {
                    voted += 1;
                    if let Actor::Party(p) = e.actor && accept { yes.insert(p); }
                }
                EventKind::Accepted { text: t } => {
                    prop_assert_eq!(voted, n_parties);
                    prop_assert_eq!(yes.len(), n_parties);
                    prop_assert_eq!(e.actor, Actor::Rule);
                    text = t;
                }
                EventKind::Kept { text: t, rejections } => {
                    prop_assert_eq!(rule, ProposalRule::MediatorMayOverride);
                    prop_assert!(matches!(e.actor, Actor::Mediator(_)));
                    prop_assert_eq!(rejections as usize, n_parties - yes.len());
                    prop_assert!(rejections > 0);
                    text = t;
                }
                EventKind::Rejected { rejections, .. } => {
                    prop_assert_eq!(voted, n_parties);
                    prop_assert_eq!(rejections as usize, n_parties - yes.len());
                }
                EventKind::Ended { text: t, steps, .. } => { prop_assert_eq!(t, text); prop_assert!(steps <= n_steps); }
            }
            if co == CoMediation::TakeTurns && let Actor::Mediator(m) = e.actor {
                prop_assert_eq!(m, e.step as usize % n_mediators);
            }
        }
        prop_assert_eq!(text, st.text());
        let ends = log.iter().filter(|e| matches!(e.kind, EventKind::Ended { .. })).count();
        prop_assert_eq!(ends, usize::from(st.is_ended()));
        prop_assert!(matches!(st.phase(), Phase::Ended) == st.is_ended());
    }
}

// ---------------------------------------------------------------------------
// The sweep behind docs/single-text.md (not run by default):
// cargo test --release -p entente-protocols --test single_text sweep -- --ignored --nocapture

/// Random additive utilities over `n` binary issues (no interdependence):
/// weights and value utilities uniform in `[0, 1]`, weights normalised.
fn additive(n: usize, parties: usize, seed: u64) -> Vec<UtilityTable> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..parties)
        .map(|_| {
            let w: Vec<f64> = (0..n).map(|_| rng.random::<f64>()).collect();
            let total: f64 = w.iter().sum();
            let v: Vec<[f64; 2]> = (0..n).map(|_| [rng.random::<f64>(), rng.random::<f64>()]).collect();
            let u = (0..1u32 << n)
                .map(|o| (0..n).map(|i| w[i] / total * v[i][(o >> (n - 1 - i) & 1) as usize]).sum())
                .collect();
            UtilityTable::from_utilities(u, f64::NEG_INFINITY).unwrap()
        })
        .collect()
}

#[test]
#[ignore]
fn sweep() {
    type Make = fn(usize, usize, u64) -> Vec<UtilityTable>;
    let kinds: [(&str, Make); 2] = [("interdependent", interdependent), ("additive", additive)];
    for (name, make) in kinds {
        let ds: Vec<Domain> = (0..100)
            .map(|d| {
                let tables = make(ISSUES, PARTIES, 1000 + d);
                let best_welfare = (0..tables[0].len() as u32)
                    .map(|o| tables.iter().map(|t| t.utility(o)).sum::<f64>())
                    .fold(f64::MIN, f64::max);
                Domain { tables, best_welfare }
            })
            .collect();
        for n_steps in [300, 500, 1000] {
            println!("{name} domains, {n_steps} steps: mean share of the best welfare over 100 domains");
            let arm = |rule, mediator, voter| {
                let shares: Vec<f64> = ds
                    .iter()
                    .enumerate()
                    .map(|(s, d)| {
                        welfare_share(&run(n_steps, rule, mediator, &[voter; PARTIES], &d.tables, s as u64), d)
                    })
                    .collect();
                mean(&shares)
            };
            println!(
                "  veto mediator, hill-climbing voters        {:.3}",
                arm(ProposalRule::Veto, MediatorSpec::Veto, HC)
            );
            for t0 in [0.05, 0.1, 0.2, 0.5, 1.0] {
                let a = arm(ProposalRule::Veto, MediatorSpec::Veto, VoterSpec::Annealing { t0 });
                println!("  veto mediator, annealing voters t0={t0:<4}    {a:.3}");
            }
            for t0 in [0.5, 1.0, 2.0, 4.0] {
                let m = MediatorSpec::Annealing { t0, measure: Measure::Rejections };
                println!(
                    "  annealing mediator (rejections) t0={t0:<4}  {:.3}",
                    arm(ProposalRule::MediatorMayOverride, m, HC)
                );
            }
            for t0 in [0.05, 0.1, 0.2, 0.5] {
                let m = MediatorSpec::Annealing { t0, measure: Measure::SummedLosses };
                println!(
                    "  annealing mediator (losses) t0={t0:<4}      {:.3}",
                    arm(ProposalRule::MediatorMayOverride, m, HC)
                );
            }
        }
    }
}
