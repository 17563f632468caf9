//! The figure of a round of talks as plain data (`entente-plot` draws it), as one role may see it.
//!
//! Everything comes from the round's log, filtered by the role's export ([`export_for`]): the clause lanes from
//! the package's transitions, the markers from the instructions, statements, tabled items, incidents, the vote
//! and the end, the closure ratio from the lanes, each party's utility of the text from its `TextScored`
//! entries, a party's reservation value from its declared value and its `ReservationMoved` entries. A divided
//! delegation's blocs (their utilities of the texts proposed, their reversion points, the periods when the text
//! was outside the win-set) are computed here from the delegation's state under the instructions in force
//! ([`DelegationState`] on the talks' timeline); they are drawn only for a role that may read the delegation's
//! own channel. Without a role (`None`) the figure is the analyst's: the whole simulation.

use entente_core::blocs::Instructions;
use entente_core::{OutcomeId, UtilityFunction, UtilityTable};
use entente_model::timeline::DelegationState;
use entente_plot::{
    BlocCurves, ClauseLane, DelegationCurves, LaneState, MarkerKind, PartyCurves, SessionBand, TalksFigure,
    TalksMarker, TalksRound,
};
use entente_protocols::package::{ActorId, ClauseState, Event};
use thiserror::Error;

use crate::log::{Entry, LogEntry, Role, Visibility, export_for};
use crate::model::{Talks, Timestamp, clock};
use crate::sim::{ClauseSummary, Ending, Round, TalksRun};

/// Why a figure's data could not be computed.
#[derive(Debug, Error)]
pub enum FigureError {
    /// A delegation's state could not be built.
    #[error(transparent)]
    Model(#[from] entente_core::ModelError),
}

/// Whose view a figure shows, in words ("the analyst's view", "as state_b sees it").
pub fn view_name(talks: &Talks, view: Option<Role>) -> String {
    match view {
        None => "the analyst's view (the whole simulation)".into(),
        Some(Role::Party { party }) => {
            let name = talks.scenario.parties.get(party).map_or("?", |p| p.name.as_str());
            format!("as {name} sees it (the public record and its own channel)")
        }
        Some(Role::Mediator) => "as the mediators see it (the public record and what the parties confided)".into(),
        Some(Role::Observer) => "as an observer sees it (the public record)".into(),
    }
}

/// How the round ended, in words.
pub fn outcome(run: &TalksRun) -> String {
    ending_words(&run.ending)
}

fn ending_words(ending: &Ending) -> String {
    match ending {
        Ending::Adopted { at, .. } => format!("the package was adopted on {}", clock(*at)),
        Ending::NotAdopted { at, .. } => format!("no agreement: the mediators ended the talks on {}", clock(*at)),
        Ending::BrokeDown { at, by } => format!("the talks broke down on {}: {by} walked out", clock(*at)),
    }
}

/// The figure of one round: title the talks' name, subtitle the view and the outcome.
pub fn talks_figure(talks: &Talks, run: &TalksRun, view: Option<Role>) -> Result<TalksFigure, FigureError> {
    Ok(TalksFigure {
        title: talks.scenario.name.clone(),
        subtitle: Some(format!("{} · {}", capitalised(&view_name(talks, view)), outcome(run))),
        rounds: vec![round(talks, run, view, None)?],
    })
}

/// The figure of a base round and a changed one (a counterfactual, changes), one above the other on the same
/// time axis; `changed_name` says what changed ("counterfactual: unified").
pub fn compare_figure(
    base: (&Talks, &TalksRun),
    changed: (&Talks, &TalksRun),
    changed_name: &str,
    view: Option<Role>,
) -> Result<TalksFigure, FigureError> {
    let heading = |name: &str, run: &TalksRun| Some(format!("{name} — {}", outcome(run)));
    Ok(TalksFigure {
        title: base.0.scenario.name.clone(),
        subtitle: Some(capitalised(&view_name(base.0, view))),
        rounds: vec![
            round(base.0, base.1, view, heading("Base round", base.1))?,
            round(changed.0, changed.1, view, heading(&capitalised(changed_name), changed.1))?,
        ],
    })
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
}

/// The minute the round ended.
pub fn ended_at(run: &TalksRun) -> Timestamp {
    run.ending.at()
}

fn lane_state(s: ClauseState) -> LaneState {
    match s {
        ClauseState::Open => LaneState::Open,
        ClauseState::Bracketed => LaneState::Bracketed,
        ClauseState::AdRef => LaneState::AdRef,
        ClauseState::Provisional => LaneState::Provisional,
        ClauseState::Reopened => LaneState::Reopened,
        ClauseState::Withdrawn => LaneState::Withdrawn,
    }
}

/// What a figure of one round reads: its log, its clauses, its actors'
/// names, how it ended (if it has) and the minute the time axis ends.
struct Course<'a> {
    log: &'a crate::log::Log,
    clauses: &'a [ClauseSummary],
    actor_names: &'a [(ActorId, String)],
    ending: Option<&'a Ending>,
    end: Timestamp,
}

impl Course<'_> {
    fn actor_name(&self, a: ActorId) -> String {
        self.actor_names.iter().find(|(id, _)| *id == a).map_or(format!("actor {}", a.0), |(_, n)| n.clone())
    }
}

/// One round as `view` may see it (`None`: everything), under `heading`.
pub fn round(
    talks: &Talks,
    run: &TalksRun,
    view: Option<Role>,
    heading: Option<String>,
) -> Result<TalksRound, FigureError> {
    let course = Course {
        log: &run.log,
        clauses: &run.clauses,
        actor_names: &run.actor_names,
        ending: Some(&run.ending),
        end: ended_at(run),
    };
    course_round(talks, &course, view, heading)
}

/// The figure of a round still under way (a live room), as `view` may see
/// it, its time axis ending at `now` (or at the end, if it has ended).
pub fn live_figure(
    talks: &Talks,
    round: &Round,
    now: Timestamp,
    view: Option<Role>,
) -> Result<TalksFigure, FigureError> {
    let clauses = round.clause_summaries();
    let actor_names = round.actor_names();
    let ending = round.ending();
    let end = match ending {
        Some(e) => e.at(),
        None => now.max(round.log().entries().last().map_or(talks.start(), |e| e.time)),
    };
    let course = Course { log: round.log(), clauses: &clauses, actor_names: &actor_names, ending, end };
    let state = ending.map_or_else(|| "under way".to_string(), ending_words);
    Ok(TalksFigure {
        title: talks.scenario.name.clone(),
        subtitle: Some(format!("{} · {state}", capitalised(&view_name(talks, view)))),
        rounds: vec![course_round(talks, &course, view, None)?],
    })
}

fn course_round(
    talks: &Talks,
    course: &Course<'_>,
    view: Option<Role>,
    heading: Option<String>,
) -> Result<TalksRound, FigureError> {
    let entries: Vec<LogEntry> = match view {
        Some(role) => export_for(course.log, role),
        None => course.log.entries().to_vec(),
    };
    let may_see = |v: &Visibility| view.is_none_or(|r| r.may_see(v));
    let end = course.end;
    let clauses = lanes(talks, course, &entries);
    Ok(TalksRound {
        heading,
        sessions: talks
            .sessions
            .iter()
            .map(|s| SessionBand { start: s.start, end: s.end(), label: s.label.clone() })
            .collect(),
        end,
        closure: closure(&clauses, talks.start()),
        clauses,
        markers: markers(talks, course, &entries),
        parties: (0..talks.scenario.parties.len())
            .filter_map(|k| party_curves(talks, &entries, k, may_see(&Visibility::Party { party: k })).transpose())
            .collect::<Result<_, _>>()?,
        delegations: (0..talks.scenario.parties.len())
            .filter(|&k| may_see(&Visibility::Party { party: k }))
            .filter_map(|k| delegation_curves(talks, &entries, k, end).transpose())
            .collect::<Result<_, _>>()?,
    })
}

/// One lane per clause: OPEN from the start (or from when it was tabled), then every transition the log shows.
fn lanes(talks: &Talks, run: &Course<'_>, entries: &[LogEntry]) -> Vec<ClauseLane> {
    run.clauses
        .iter()
        .map(|c| {
            let from = c.tabled.as_ref().map_or(talks.start(), |(_, at)| *at);
            let mut states = vec![(from, LaneState::Open)];
            states.extend(entries.iter().filter_map(|e| match &e.entry {
                Entry::Package { event: Event::Transition { clause, to, time, .. } } if clause.0 == c.clause => {
                    Some((*time, lane_state(*to)))
                }
                _ => None,
            }));
            ClauseLane { title: c.title.clone(), tabled_by: c.tabled.as_ref().map(|(by, _)| by.clone()), from, states }
        })
        .collect()
}

/// A lane's state at minute `t` (`None` before it starts).
fn state_at(lane: &ClauseLane, t: Timestamp) -> Option<LaneState> {
    (lane.from <= t).then(|| lane.states.iter().take_while(|s| s.0 <= t).last().map_or(LaneState::Open, |s| s.1))
}

/// The share of live clauses (tabled, not withdrawn) PROVISIONAL, from each minute at which a lane changes on.
fn closure(lanes: &[ClauseLane], start: Timestamp) -> Vec<(Timestamp, f64)> {
    let mut times: Vec<Timestamp> =
        std::iter::once(start).chain(lanes.iter().flat_map(|l| l.states.iter().map(|s| s.0))).collect();
    times.sort_unstable();
    times.dedup();
    let mut out: Vec<(Timestamp, f64)> = Vec::new();
    for t in times {
        let live: Vec<LaneState> =
            lanes.iter().filter_map(|l| state_at(l, t)).filter(|s| *s != LaneState::Withdrawn).collect();
        let share = if live.is_empty() {
            0.0
        } else {
            live.iter().filter(|s| **s == LaneState::Provisional).count() as f64 / live.len() as f64
        };
        if out.last().is_none_or(|l| l.1 != share) {
            out.push((t, share));
        }
    }
    out
}

fn markers(talks: &Talks, run: &Course<'_>, entries: &[LogEntry]) -> Vec<TalksMarker> {
    let party = |k: usize| talks.scenario.parties.get(k).map_or("?".to_string(), |p| p.name.clone());
    let title =
        |clause: u32| run.clauses.iter().find(|c| c.clause == clause).map_or("an item".into(), |c| c.title.clone());
    entries
        .iter()
        .filter_map(|e| {
            let (kind, label) = match &e.entry {
                Entry::Instruction { party: k, bloc, .. } => {
                    (MarkerKind::Instruction, format!("{bloc} instructs {}", party(*k)))
                }
                Entry::Statement { actor, .. } => (MarkerKind::Statement, format!("statement by {actor}")),
                Entry::Incident { place, .. } => (MarkerKind::Incident, format!("incident at {place}")),
                Entry::Package { event } => match event {
                    Event::ItemTabled { clause, actor, .. } => {
                        (MarkerKind::Tabled, format!("{} tabled by {}", title(clause.0), run.actor_name(*actor)))
                    }
                    Event::VoteCalled { .. } => (MarkerKind::Vote, "final vote called".into()),
                    Event::VoteFailed { .. } => (MarkerKind::Vote, "the vote fails".into()),
                    Event::Adopted { .. } => (MarkerKind::End, "package adopted".into()),
                    Event::Ended { .. } => match run.ending {
                        Some(Ending::BrokeDown { by, .. }) => (MarkerKind::End, format!("breakdown: {by} walks out")),
                        _ => (MarkerKind::End, "the talks end: no agreement".into()),
                    },
                    _ => return None,
                },
                _ => return None,
            };
            Some(TalksMarker { at: e.time, kind, label })
        })
        .collect()
}

/// Party `k`'s utility of the text (its `TextScored` entries the view holds) and its reservation value: declared
/// and moved by incidents (its `ReservationMoved` entries), or a delegation's under the instructions in force
/// (only when `own_channel`: the view may read the delegation's instructions). `None` when the view holds none of
/// its scores.
fn party_curves(
    talks: &Talks,
    entries: &[LogEntry],
    k: usize,
    own_channel: bool,
) -> Result<Option<PartyCurves>, FigureError> {
    let p = &talks.scenario.parties[k];
    let utility: Vec<(Timestamp, f64)> = entries
        .iter()
        .filter_map(|e| match e.entry {
            Entry::TextScored { party, utility } if party == k => Some((e.time, utility)),
            _ => None,
        })
        .collect();
    if utility.is_empty() {
        return Ok(None);
    }
    // The reservation value's changes: (minute, set to, or moved by).
    let mut changes: Vec<(Timestamp, Option<f64>, f64)> = Vec::new();
    match &p.delegation {
        Some(_) if own_channel => {
            if let Some(periods) = periods(talks, k)? {
                for (epoch, state) in periods.epochs.iter().zip(&periods.states) {
                    changes.push((epoch.from as Timestamp, Some(state.reservation), 0.0));
                }
            }
        }
        Some(_) => {}
        None => {
            let r = p.utility.reservation();
            // Its scores are on the same channel as its reservation value: the view holds both.
            if r.is_finite() {
                changes.push((talks.start(), Some(r), 0.0));
            }
        }
    }
    if !changes.is_empty() {
        changes.extend(entries.iter().filter_map(|e| match e.entry {
            Entry::ReservationMoved { party, by, .. } if party == k => Some((e.time, None, by)),
            _ => None,
        }));
        changes.sort_by_key(|c| c.0);
    }
    let mut reservation: Vec<(Timestamp, f64)> = Vec::new();
    let mut value = 0.0;
    for (at, set, by) in changes {
        value = set.unwrap_or(value + by);
        match reservation.last_mut() {
            Some(last) if last.0 == at => last.1 = value,
            _ => reservation.push((at, value)),
        }
    }
    Ok(Some(PartyCurves { name: p.name.clone(), index: k, utility, reservation }))
}

/// A divided delegation's periods of unchanged instructions on the talks' timeline, with its state in each.
struct Periods {
    /// Each bloc's utilities.
    tables: Vec<UtilityTable>,
    /// The instructions in force from the start, then after each change (minutes).
    epochs: Vec<Instructions>,
    /// The delegation's state under each.
    states: Vec<DelegationState>,
}

/// Party `k`'s periods (`None` for a unitary party).
fn periods(talks: &Talks, k: usize) -> Result<Option<Periods>, FigureError> {
    let (Some(d), Some(tl)) = (talks.scenario.parties.get(k).and_then(|p| p.delegation.as_ref()), talks.timeline(k))
    else {
        return Ok(None);
    };
    let space = &talks.scenario.space;
    let tables = DelegationState::bloc_tables(space, d)?;
    let epochs = tl.epochs();
    let states = epochs.iter().map(|e| DelegationState::new(space, d, &tables, e)).collect::<Result<_, _>>()?;
    Ok(Some(Periods { tables, epochs, states }))
}

/// A divided delegation's blocs: each bloc's utility of every text proposed, its reversion point under the
/// instructions in force, and the periods when the text was outside the win-set. `None` for a unitary party.
fn delegation_curves(
    talks: &Talks,
    entries: &[LogEntry],
    k: usize,
    end: Timestamp,
) -> Result<Option<DelegationCurves>, FigureError> {
    let p = &talks.scenario.parties[k];
    let (Some(d), Some(Periods { tables, epochs, states })) = (&p.delegation, periods(talks, k)?) else {
        return Ok(None);
    };
    let space = &talks.scenario.space;
    let texts: Vec<(Timestamp, OutcomeId)> = entries
        .iter()
        .filter_map(|e| match &e.entry {
            Entry::TextProposed { text } => space.index_of(text).ok().map(|i| (e.time, i as OutcomeId)),
            _ => None,
        })
        .collect();
    let blocs = d
        .blocs
        .iter()
        .enumerate()
        .map(|(j, b)| BlocCurves {
            name: b.bloc.name.clone(),
            utility: texts.iter().map(|&(t, o)| (t, tables[j].utility(o))).collect(),
            reversion: epochs
                .iter()
                .filter_map(|e| e.blocs.get(j).map(|b| (e.from as Timestamp, b.reversion_utility(&tables[j]))))
                .collect(),
        })
        .collect();
    // Outside the win-set: at every minute the text or the instructions change.
    let mut times: Vec<Timestamp> =
        texts.iter().map(|t| t.0).chain(epochs.iter().map(|e| e.from as Timestamp)).filter(|&t| t <= end).collect();
    times.sort_unstable();
    times.dedup();
    let mut outside_win_set: Vec<(Timestamp, Timestamp)> = Vec::new();
    let mut open: Option<Timestamp> = None;
    for &t in &times {
        let Some(&(_, text)) = texts.iter().take_while(|x| x.0 <= t).last() else { continue };
        let epoch = entente_model::timeline::Timeline::epoch_at(epochs.iter().map(|e| e.from), t as f64);
        let outside = !states[epoch].win_set.contains(text);
        match (outside, open) {
            (true, None) => open = Some(t),
            (false, Some(from)) => {
                outside_win_set.push((from, t));
                open = None;
            }
            _ => {}
        }
    }
    if let Some(from) = open {
        outside_win_set.push((from, end.max(from)));
    }
    Ok(Some(DelegationCurves { party: p.name.clone(), blocs, outside_win_set }))
}
