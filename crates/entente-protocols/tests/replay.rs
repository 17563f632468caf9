//! The machines' common contract: any log an SAO or single-text machine
//! produced replays to the same state, move by move; a log that was tampered
//! with does not.

use entente_protocols::single_text::{
    CoMediation, Event as StEvent, EventKind, ProposalRule, SingleText, SingleTextConfig, SingleTextMove,
};
use entente_protocols::{Action, EndReason, Event, Machine, ReplayError, Sao, SaoConfig, SaoMove, replay};
use proptest::prelude::*;

/// Drives an SAO machine with the choices `picks` (each picks among the
/// moves legal at that point) and returns it with its log.
fn drive_sao(n: usize, config: SaoConfig, picks: &[u8], time_up_at: Option<usize>) -> (Sao<u32>, Vec<Event<u32>>) {
    let mut sao = Sao::new(n, config).unwrap();
    let mut log = Vec::new();
    for (k, &p) in picks.iter().enumerate() {
        let Some(turn) = sao.turn() else { break };
        let mv = if time_up_at == Some(k) {
            SaoMove::TimeUp
        } else {
            let action = match (p % 8, turn.offer) {
                (0, _) => Action::End,
                (1..=4, Some(_)) => Action::Accept,
                _ => Action::Offer(u32::from(p) % 5),
            };
            SaoMove::Act { party: turn.party, action }
        };
        sao.apply(&mv, &mut |e| log.push(e)).unwrap();
    }
    (sao, log)
}

fn drive_single_text(
    n: usize,
    mediators: usize,
    config: SingleTextConfig,
    picks: &[u8],
) -> (SingleText<u32>, Vec<StEvent<u32>>) {
    let mut st = SingleText::new(n, mediators, 0u32, config).unwrap();
    let mut log = Vec::new();
    for &p in picks {
        if st.is_ended() {
            break;
        }
        let holder = (st.step() as usize) % mediators;
        let mv = match st.phase() {
            entente_protocols::single_text::Phase::Propose { .. } if p % 9 == 0 => {
                SingleTextMove::End { mediator: holder }
            }
            entente_protocols::single_text::Phase::Propose { .. } => {
                SingleTextMove::Propose { mediator: holder, text: u32::from(p) % 7 }
            }
            entente_protocols::single_text::Phase::Vote { .. } => {
                let party = st.votes().iter().position(Option::is_none).unwrap();
                SingleTextMove::Vote { party, accept: p % 3 != 0 }
            }
            entente_protocols::single_text::Phase::Decide { .. } => {
                SingleTextMove::Decide { mediator: holder, keep: p % 2 == 0 }
            }
            entente_protocols::single_text::Phase::Ended => break,
        };
        st.apply(&mv, &mut |e| log.push(e)).unwrap();
    }
    (st, log)
}

proptest! {
    /// Every SAO log replays to the state that produced it.
    #[test]
    fn sao_logs_replay(n in 2usize..5, steps in 1u32..8, picks in prop::collection::vec(any::<u8>(), 0..60),
                       limit in prop::option::of(1.0f64..10.0), up in prop::option::of(0usize..60)) {
        let config = SaoConfig { n_steps: steps, time_limit: limit };
        let up = if limit.is_some() { up } else { None };
        let (sao, log) = drive_sao(n, config, &picks, up);
        let replayed = replay(Sao::new(n, config).unwrap(), &log).unwrap();
        prop_assert_eq!(replayed, sao);
    }

    /// Every single-text log replays to the state that produced it, under
    /// either rule and with any number of co-mediators.
    #[test]
    fn single_text_logs_replay(n in 2usize..5, mediators in 1usize..4, steps in 1u32..6, veto in any::<bool>(),
                               picks in prop::collection::vec(any::<u8>(), 0..80)) {
        let rule = if veto { ProposalRule::Veto } else { ProposalRule::MediatorMayOverride };
        let config = SingleTextConfig { n_steps: steps, rule, co_mediation: CoMediation::TakeTurns };
        let (st, log) = drive_single_text(n, mediators, config, &picks);
        let replayed = replay(SingleText::new(n, mediators, 0u32, config).unwrap(), &log).unwrap();
        prop_assert_eq!(replayed, st);
    }
}

/// A hand-written SAO log: party 0 offers 3, party 1 rejects it with 4, party 0
/// accepts: agreement on 4 in round 1 (NegMAS counts 2 rounds).
#[test]
fn sao_hand_written_log() {
    let log = vec![
        Event::Offer { round: 0, party: 0, outcome: 3 },
        Event::Reject { round: 0, party: 1, outcome: 3 },
        Event::Offer { round: 0, party: 1, outcome: 4 },
        Event::Accept { round: 1, party: 0, outcome: 4 },
        Event::End { rounds: 2, reason: EndReason::Agreement, agreement: Some(4) },
    ];
    let config = SaoConfig { n_steps: 10, time_limit: None };
    let sao = replay(Sao::new(2, config).unwrap(), &log).unwrap();
    assert_eq!(sao.outcome(), Some((EndReason::Agreement, 2, Some(4))));
}

/// Tampered logs are refused, and the error names the event.
#[test]
fn sao_tampered_logs_do_not_replay() {
    let config = SaoConfig { n_steps: 10, time_limit: None };
    let good = vec![
        Event::Offer { round: 0, party: 0, outcome: 3 },
        Event::Reject { round: 0, party: 1, outcome: 3 },
        Event::Offer { round: 0, party: 1, outcome: 4 },
    ];
    // Party 1 claims to reject an offer that was never made.
    let mut bad = good.clone();
    bad[1] = Event::Reject { round: 0, party: 1, outcome: 2 };
    assert!(matches!(replay(Sao::new(2, config).unwrap(), &bad), Err(ReplayError::Diverged { index: 1, .. })));
    // Party 1 acts out of turn.
    let bad = vec![Event::Offer { round: 0, party: 1, outcome: 3 }];
    assert!(matches!(replay(Sao::new(2, config).unwrap(), &bad), Err(ReplayError::Refused { index: 0, .. })));
    // The rule's own end is not a move.
    let bad: Vec<Event<u32>> = vec![Event::End { rounds: 1, reason: EndReason::Timeout, agreement: None }];
    assert!(matches!(replay(Sao::new(2, config).unwrap(), &bad), Err(ReplayError::NotAMove { index: 0 })));
    // A time-limit end without a time limit is refused.
    let bad: Vec<Event<u32>> = vec![Event::End { rounds: 0, reason: EndReason::TimeLimit, agreement: None }];
    assert!(matches!(replay(Sao::new(2, config).unwrap(), &bad), Err(ReplayError::Refused { index: 0, .. })));
    assert!(replay(Sao::new(2, config).unwrap(), &good).is_ok());
}

#[test]
fn single_text_tampered_log_does_not_replay() {
    let config = SingleTextConfig { n_steps: 3, rule: ProposalRule::Veto, co_mediation: CoMediation::TakeTurns };
    let mut st = SingleText::new(2, 1, 0u32, config).unwrap();
    let mut log = Vec::new();
    for mv in [
        SingleTextMove::Propose { mediator: 0, text: 5 },
        SingleTextMove::Vote { party: 0, accept: true },
        SingleTextMove::Vote { party: 1, accept: true },
    ] {
        st.apply(&mv, &mut |e| log.push(e)).unwrap();
    }
    assert_eq!(st.text(), 5);
    assert!(matches!(log[3].kind, EventKind::Accepted { text: 5 }));
    // The log claims party 1 rejected, but the rule's resolution says accepted.
    let mut bad = log.clone();
    bad[2].kind = EventKind::Voted { text: 5, accept: false };
    assert!(matches!(
        replay(SingleText::new(2, 1, 0u32, config).unwrap(), &bad),
        Err(ReplayError::Diverged { index: 3, .. })
    ));
    assert_eq!(replay(SingleText::new(2, 1, 0u32, config).unwrap(), &log).unwrap(), st);
}

/// The drivers above reach every way a negotiation ends and every resolution
/// of a single-text step, so the properties cover them.
#[test]
fn generators_reach_the_interesting_cases() {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut picks = || {
        (0..60)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect::<Vec<u8>>()
    };
    let mut sao_ends = std::collections::BTreeSet::new();
    let mut st_kinds = std::collections::BTreeSet::new();
    for k in 0..400 {
        let config = SaoConfig { n_steps: 1 + k % 7, time_limit: (k % 3 == 0).then_some(5.0) };
        let up = (k % 3 == 0 && k % 2 == 0).then_some((k % 5) as usize);
        let (sao, _) = drive_sao(2 + (k % 3) as usize, config, &picks(), up);
        if let Some((reason, _, _)) = sao.outcome() {
            sao_ends.insert(format!("{reason:?}").split(' ').next().unwrap_or_default().to_string());
        }
        let rule = if k % 2 == 0 { ProposalRule::Veto } else { ProposalRule::MediatorMayOverride };
        let config = SingleTextConfig { n_steps: 1 + k % 5, rule, co_mediation: CoMediation::TakeTurns };
        let (_, log) = drive_single_text(2 + (k % 3) as usize, 1 + (k % 3) as usize, config, &picks());
        for e in log {
            let name = format!("{:?}", e.kind);
            st_kinds.insert(
                format!("{}/{:?}", name.split(' ').next().unwrap_or_default(), e.actor)
                    .replace(|c: char| c.is_ascii_digit(), ""),
            );
        }
    }
    for end in ["Agreement", "Timeout", "TimeLimit", "BrokenOff"] {
        assert!(sao_ends.contains(end), "no SAO run ended by {end}: {sao_ends:?}");
    }
    for kind in
        ["Accepted/Rule", "Rejected/Rule", "Kept/Mediator()", "Rejected/Mediator()", "Ended/Mediator()", "Ended/Rule"]
    {
        assert!(st_kinds.contains(kind), "no single-text event {kind}: {st_kinds:?}");
    }
}
