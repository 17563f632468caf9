//! The talks figure's layout: no text overlaps another or leaves the canvas, for generated talks of 2 to 4
//! parties, 3 to 12 clauses, long names and 1 to 20 sessions; the compressed time axis.

use super::*;
use crate::render_talks;
use crate::testing::assert_texts_clear;

use crate::render::tests::common::Rng;

const LONG: &str = "the delegation of the northern federated states";

/// Generated talks: `sessions` sessions over `days` days (two sittings a day when there are more sessions than
/// days), `clauses` clauses (the last one tabled during the talks), `parties` parties (the last one a delegation of
/// three blocs), markers bunched at the same minutes, names long or short.
fn generated(parties: usize, clauses: usize, sessions: usize, long: bool, seed: u64) -> TalksFigure {
    let mut rng = Rng(seed);
    let name = |base: &str, k: usize| if long { format!("{LONG} {base} {k}") } else { format!("{base}_{k}") };
    let mut bands = Vec::new();
    let mut t = 9 * 60;
    for k in 0..sessions {
        let minutes = 60 + (rng.next() * 15.0) as u64 * 60;
        let label = if long {
            format!("day {}, {} sitting of the plenary", k + 1, ["first", "second"][k % 2])
        } else {
            format!("day {}", k + 1)
        };
        bands.push(SessionBand { start: t, end: t + minutes, label });
        t += minutes + 60 + (rng.next() * 20.0) as u64 * 60;
    }
    let start = bands[0].start;
    let end = bands[sessions - 1].end;
    let span = end - start;
    let at = |f: f64| start + (f * span as f64) as u64;
    let states = [LaneState::Open, LaneState::Bracketed, LaneState::AdRef, LaneState::Provisional, LaneState::Reopened];
    let lanes = (0..clauses)
        .map(|c| {
            let tabled = c + 1 == clauses;
            let from = if tabled { at(0.6) } else { start };
            let mut s = vec![(from, LaneState::Open)];
            let mut x = from;
            for k in 0..8 {
                x += (rng.next() * span as f64 / 8.0) as u64;
                s.push((x.min(end), states[(k + c) % states.len()]));
            }
            ClauseLane {
                title: name("clause on the sanctuaries", c),
                tabled_by: tabled.then(|| name("party", parties - 1)),
                from,
                states: s,
            }
        })
        .collect();
    let mut markers = Vec::new();
    for (k, kind) in MarkerKind::ALL.into_iter().enumerate() {
        for f in [0.5, 0.5, 0.9, rng.next()] {
            markers.push(TalksMarker {
                at: at(f),
                kind,
                label: format!("{} {k}", name("incident at the border post", k)),
            });
        }
    }
    markers.push(TalksMarker { at: end + 600, kind: MarkerKind::Incident, label: "aftermath".into() });
    let curve = |rng: &mut Rng| (0..12).map(|k| (at(k as f64 / 12.0), rng.next())).collect::<Vec<_>>();
    let party_curves = (0..parties)
        .map(|k| PartyCurves {
            name: name("party", k),
            index: k,
            utility: curve(&mut rng),
            reservation: vec![(start, 0.4), (at(0.5), 0.6)],
        })
        .collect();
    let blocs = (0..3)
        .map(|j| BlocCurves {
            name: name("bloc", j),
            utility: curve(&mut rng),
            reversion: vec![(start, 0.3 + 0.1 * j as f64)],
        })
        .collect();
    TalksRound {
        heading: Some(name("Base round", 0)),
        sessions: bands,
        end,
        clauses: lanes,
        markers,
        closure: (0..20).map(|k| (at(k as f64 / 20.0), rng.next())).collect(),
        parties: party_curves,
        delegations: vec![DelegationCurves {
            party: name("party", parties - 1),
            blocs,
            outside_win_set: vec![(at(0.6), end)],
        }],
    }
    .into_figure(long)
}

impl TalksRound {
    fn into_figure(self, long: bool) -> TalksFigure {
        TalksFigure {
            title: if long {
                format!("{LONG}: a very long title for a round of talks that goes on and on and on")
            } else {
                "Talks".into()
            },
            subtitle: Some("the analyst's view".into()),
            rounds: vec![self],
        }
    }
}

#[test]
fn no_text_overlaps_another_in_generated_talks() {
    let mut seed = 1;
    for parties in 2..=4 {
        for clauses in [3, 7, 12] {
            for sessions in [1, 2, 5, 20] {
                for long in [false, true] {
                    seed += 1;
                    let fig = generated(parties, clauses, sessions, long, seed);
                    let svg = render_talks(&fig).expect("renders");
                    let name = format!("{parties} parties, {clauses} clauses, {sessions} sessions, long {long}");
                    assert_texts_clear(&name, &svg, 10);
                    // Two rounds, one above the other.
                    let mut two = fig.clone();
                    let mut changed = fig.rounds[0].clone();
                    changed.heading = Some("Counterfactual: unified".into());
                    changed.clauses.truncate(clauses - 1);
                    two.rounds.push(changed);
                    assert_texts_clear(&format!("{name}, compared"), &render_talks(&two).expect("renders"), 10);
                }
            }
        }
    }
}

#[test]
fn breaks_are_compressed_and_sessions_keep_their_length() {
    let round = TalksRound {
        sessions: vec![
            SessionBand { start: 0, end: 600, label: "a".into() },
            SessionBand { start: 10_000, end: 10_300, label: "b".into() },
        ],
        end: 10_300,
        ..TalksRound::default()
    };
    let t = TimeAxis::new(std::slice::from_ref(&round), 0, 1170);
    // 900 minutes in session, one break of 9,400 minutes shown as 0.3 × 900 = 270: 1,170 in all.
    assert_eq!(t.x(0), 0);
    assert_eq!(t.x(600), 600);
    assert_eq!(t.x(10_000), 870);
    assert_eq!(t.x(10_300), 1170);
    // Inside the break: in proportion.
    assert_eq!(t.x(600 + 4_700), 735);
    // A short break keeps its length.
    let short = TalksRound {
        sessions: vec![
            SessionBand { start: 0, end: 600, label: "a".into() },
            SessionBand { start: 700, end: 1000, label: "b".into() },
        ],
        end: 1000,
        ..TalksRound::default()
    };
    let t = TimeAxis::new(std::slice::from_ref(&short), 0, 1000);
    assert_eq!((t.x(600), t.x(700)), (600, 700));
}
