//! Measures of stalling and backtracking in a round of talks
//! (`../shared/reference/talks-model.md`, "Measures of stalling and
//! backtracking"), computed from what the talks leave behind: the package
//! protocol's events (with their times and actors), the mediators' text over
//! time (with every party's utility of it) and the sessions.
//!
//! - **Step classes** of the text for each party (Hindriks, Jonker, Tykhonov
//!   2007): between consecutive *distinct* texts, from the change of the
//!   party's own utility and of the others' mean utility
//!   ([`entente_core::analysis::dynamics::step_classes`]).
//! - **Closure ratio** `C(t)`: the share of live (not withdrawn) clauses
//!   PROVISIONAL, a step function rebuilt from the package's events alone
//!   (initial agenda, [`Event::ItemTabled`], [`Event::Transition`]), so that it
//!   is right for any log, the simulator's or a server's. It is sampled once per
//!   minute in which a count changed, after every event of that minute (several
//!   moves in the same minute are one change). Its value at the end of each
//!   session.
//! - **Waiting share**: the share of live clauses AD_REF (agreed at the table,
//!   waiting for a capital or a guarantor), the same step function; its mean over
//!   the time spent in session (the breaks do not count).
//! - **Reopen rate**: reopenings (transitions into REOPENED) over closures
//!   (transitions into PROVISIONAL). Per clause: its reopenings over its
//!   closures. Per actor: the actor's reopenings over *all* closures of the
//!   package (a closure is everybody's doing — every party agreed, the capitals
//!   confirmed — a reopening is one actor's), so the actors' rates add up to the
//!   package's rate.
//! - **Backtracking episodes**: an episode starts when `C(t)` falls below the
//!   level `L` it had just before, and lasts until `C(t)` is back at `L` or
//!   above (recovered, with the time it took) or the talks end (not
//!   recovered). Further falls before the recovery belong to the same episode
//!   (`falls` counts them); its depth is `L` minus the lowest value reached. A
//!   newly tabled item lowers `C(t)` too (one more live clause): that is a
//!   setback as well.
//! - **Stall index** at time `t`: `t` minus the last time of progress, or the
//!   start of the talks when there was none. Progress is a rise of `C(t)` or a
//!   Pareto-improving change of the text (a new text that no party values less
//!   and some party values more than the text just before, by the utilities
//!   the snapshots carry). Given in minutes of the clock and in minutes of
//!   session time.
//! - **Off-agenda injections**: items tabled during the talks, per session and
//!   per actor. An item tabled during a break counts for the session that
//!   follows the break (the one it was tabled for); after the last session,
//!   for the last one.
//! - **Distances** of the text to the Pareto frontier, the Nash point and the
//!   Kalai–Smorodinsky point, over time. The text's utilities are those of
//!   the snapshots: each party's own utility, for a delegation its mandate *in
//!   force* at the time. The frontier and the solutions are those of the
//!   parties' preferences as the scenario states them *at the start* (for a
//!   delegation, its starting mandate) over the whole outcome space, off-agenda
//!   issues included ([`entente_core::analysis::analyze`]; the frontier is
//!   GENIUS's whole Pareto set, the Nash point NegMAS's first, the
//!   Kalai–Smorodinsky point the textbook one). A re-instructed delegation's
//!   later utilities are thus measured against the frontier of its starting
//!   mandate: the measure says how far the talks drifted from what was
//!   possible when they opened, not from a frontier that moves with every
//!   instruction.
//!
//! [`measures`] takes a [`Talks`] and its [`TalksRun`]; [`compute`] takes the
//! plain data ([`MeasureInput`]), so that any log can be measured and tests
//! can build one by hand. Every function is total: malformed input (a
//! snapshot with the wrong number of utilities, a transition of an unknown
//! clause) is skipped or taken as it comes, never a panic.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use entente_core::UtilityTable;
use entente_core::analysis::dynamics::{StepClass, StepCounts, distances_over_time, step_classes};
use entente_core::analysis::{AnalysisError, analyze, distance};
use entente_protocols::package::{ActorId, ClauseId, ClauseState, Event, Timestamp};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::log::{Entry, Log};
use crate::model::{Session, Talks, clock};
use crate::sim::{ClauseSummary, Ending, Round, TalksRun, TextSnapshot};

/// Changes of a share or a utility smaller than this are no change.
pub const TOLERANCE: f64 = 1e-12;

#[derive(Debug, Error)]
pub enum MeasuresError {
    #[error(transparent)]
    Model(#[from] entente_core::ModelError),
    #[error("analysis of the outcome space: {0}")]
    Analysis(#[from] AnalysisError),
}

/// Names of actors and clauses for the reports (a missing one is `actor N`, `clause N`).
#[derive(Clone, Debug, Default)]
pub struct Names {
    pub actors: Vec<(ActorId, String)>,
    pub clauses: Vec<(ClauseId, String)>,
}

impl Names {
    pub fn actor(&self, a: ActorId) -> String {
        self.actors.iter().find(|(id, _)| *id == a).map_or_else(|| format!("actor {}", a.0), |(_, n)| n.clone())
    }

    pub fn clause(&self, c: ClauseId) -> String {
        self.clauses.iter().find(|(id, _)| *id == c).map_or_else(|| format!("clause {}", c.0), |(_, n)| n.clone())
    }
}

/// The frontier and solutions the text is measured against.
#[derive(Clone, Debug, Default)]
pub struct Reference {
    /// The Pareto frontier's utility vectors (one utility per party).
    pub frontier: Vec<Vec<f64>>,
    pub nash: Option<Vec<f64>>,
    pub kalai_smorodinsky: Option<Vec<f64>>,
}

/// What the measures are computed from.
#[derive(Clone, Debug)]
pub struct MeasureInput<'a> {
    /// Party names, in the order of the snapshots' utilities.
    pub parties: Vec<String>,
    /// The clauses on the agenda before the first event (the package's initial agenda).
    pub initial: Vec<ClauseId>,
    /// The package protocol's events, in log order.
    pub events: Vec<&'a Event>,
    /// The text over time.
    pub texts: &'a [TextSnapshot],
    pub sessions: &'a [Session],
    pub names: Names,
    /// Start of the talks.
    pub start: Timestamp,
    /// End of the talks (adoption, breakdown or the mediators' end).
    pub end: Timestamp,
    /// The frontier and solutions; `None`: no distances.
    pub reference: Option<Reference>,
}

/// Everything measured, in minutes since the start of the talks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measures {
    pub start: Timestamp,
    pub end: Timestamp,
    /// Step classes of the text, per party.
    pub steps: Vec<PartySteps>,
    /// The clauses' states over time: closure ratio and waiting share.
    pub curve: Vec<ClausePoint>,
    /// Per session (those that began before the end of the talks).
    pub sessions: Vec<SessionMeasures>,
    pub reopens: Reopens,
    pub backtracking: Vec<Episode>,
    /// The stall index at the end of the talks.
    pub stall: Stall,
    pub injections: Injections,
    /// Mean waiting share over the time in session, `None` without session time.
    pub waiting_mean: Option<f64>,
    /// Distances of the text to the frontier and solutions, `None` when not computed.
    pub distances: Option<Distances>,
    /// Per mediator: its drafting rule, the options it put to the parties and
    /// those every party agreed to (empty when the input has no record of them).
    #[serde(default)]
    pub drafts: Vec<crate::sim::DraftTally>,
}

/// One party's view of the text's steps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartySteps {
    pub party: String,
    /// One class per step between consecutive distinct texts.
    pub steps: Vec<StepClass>,
    pub counts: StepCounts,
}

/// The clauses' states from `time` on (until the next point).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClausePoint {
    pub time: Timestamp,
    /// Clauses not withdrawn.
    pub live: usize,
    pub provisional: usize,
    pub ad_ref: usize,
    /// `C(t)`: `provisional / live` (0 without live clauses).
    pub closure: f64,
    /// `ad_ref / live` (0 without live clauses).
    pub waiting: f64,
}

/// A session's figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionMeasures {
    /// Index of the session in the talks' sessions.
    pub index: usize,
    pub day: u32,
    pub label: String,
    pub start: Timestamp,
    /// The session's end, or the end of the talks if they ended during it.
    pub end: Timestamp,
    /// `C(t)` at the end.
    pub closure: f64,
    /// Waiting share at the end.
    pub waiting: f64,
    /// Mean waiting share over the session.
    pub waiting_mean: Option<f64>,
    pub stall: Stall,
    /// Items tabled in the session or in the break before it.
    pub injections: usize,
    /// Reopenings in the session or in the break before it.
    pub reopenings: usize,
}

/// Reopenings and closures.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Reopens {
    pub closures: usize,
    pub reopenings: usize,
    /// `reopenings / closures`, `None` without closures.
    pub rate: Option<f64>,
    /// Every clause that was closed or reopened, in clause order.
    pub per_clause: Vec<ClauseReopens>,
    /// Every actor that reopened a clause, in actor order.
    pub per_actor: Vec<ActorReopens>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClauseReopens {
    pub clause: u32,
    pub title: String,
    pub closures: usize,
    pub reopenings: usize,
    /// `reopenings / closures` of this clause.
    pub rate: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActorReopens {
    pub actor: String,
    pub reopenings: usize,
    /// Its reopenings over every closure of the package.
    pub rate: Option<f64>,
}

/// A backtracking episode: `C(t)` fell below `from` at `start`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Episode {
    pub start: Timestamp,
    /// `C(t)` just before the fall.
    pub from: f64,
    /// The lowest `C(t)` during the episode.
    pub lowest: f64,
    /// `from − lowest`.
    pub depth: f64,
    /// Falls of `C(t)` during the episode (the first one included).
    pub falls: usize,
    /// When `C(t)` was back at `from`; `None`: not recovered by the end.
    pub recovered_at: Option<Timestamp>,
    /// Minutes from the start of the episode to the recovery.
    pub recovery: Option<u64>,
}

/// The stall index at some time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stall {
    pub at: Timestamp,
    /// The last progress (rise of `C(t)`, Pareto-improving change of the text) at or before `at`.
    pub since: Option<Timestamp>,
    /// Minutes since `since` (or the start of the talks).
    pub minutes: u64,
    /// The same counting only the time in session.
    pub session_minutes: u64,
}

/// Items tabled during the talks.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Injections {
    pub items: Vec<Injection>,
    /// Items per session (over the sessions of [`Measures::sessions`]).
    pub per_session: Option<f64>,
    /// Every actor that tabled an item, in actor order.
    pub per_actor: Vec<ActorCount>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Injection {
    pub time: Timestamp,
    pub clause: u32,
    pub title: String,
    pub actor: String,
    /// Index (in the talks' sessions) of the session it counts for, if there is any session.
    pub session: Option<usize>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActorCount {
    pub actor: String,
    pub count: usize,
}

/// Distances of the text over time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Distances {
    /// What the frontier and solutions are of.
    pub basis: String,
    pub frontier_points: usize,
    pub nash: Option<Vec<f64>>,
    pub kalai_smorodinsky: Option<Vec<f64>>,
    /// One per text whose utilities changed.
    pub over_time: Vec<TextDistance>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TextDistance {
    pub time: Timestamp,
    /// Relative time of the round, in [0, 1].
    pub t: f64,
    pub pareto: Option<f64>,
    pub nash: Option<f64>,
    pub kalai_smorodinsky: Option<f64>,
}

/// The basis of the distances, as [`Distances::basis`] says it.
pub const DISTANCE_BASIS: &str = "the parties' preferences at the start (a delegation: its starting mandate), over \
                                  the whole outcome space; the text's utilities are the mandates in force";

// ---------------------------------------------------------------------------
// The measures of a simulated round.

/// The measures of a simulated round of talks.
pub fn measures(talks: &Talks, run: &TalksRun) -> Result<Measures, MeasuresError> {
    let input = input_of(talks, run, Some(reference(talks)?));
    let mut m = compute(&input);
    m.drafts = run.drafts.clone();
    Ok(m)
}

/// The plain data of a simulated round (with `reference` for the distances).
pub fn input_of<'a>(talks: &'a Talks, run: &'a TalksRun, reference: Option<Reference>) -> MeasureInput<'a> {
    // The talks end with the ending; what the log holds after it (an
    // aftermath incident) is not part of the talks.
    let end = run.ending.at().max(talks.start());
    input(talks, &run.log, &run.clauses, &run.actor_names, &run.texts, end, reference)
}

/// The measures of a round under way (a live room), up to minute `now`, from
/// what the mediators may know: with `preferences` (every party confided its
/// preferences to them) as for a finished round; without, from the package's
/// events alone (closure, backtracking, reopenings, items tabled; no step
/// classes, no Pareto progress, no distances).
pub fn so_far(talks: &Talks, round: &Round, now: Timestamp, preferences: bool) -> Result<Measures, MeasuresError> {
    let end = round.ending().map_or(now, Ending::at).max(talks.start());
    let (clauses, names) = (round.clause_summaries(), round.actor_names());
    let (texts, reference) = if preferences { (round.texts(), Some(reference(talks)?)) } else { (&[][..], None) };
    Ok(compute(&input(talks, round.log(), &clauses, &names, texts, end, reference)))
}

fn input<'a>(
    talks: &'a Talks,
    log: &'a Log,
    clauses: &[ClauseSummary],
    actor_names: &[(ActorId, String)],
    texts: &'a [TextSnapshot],
    end: Timestamp,
    reference: Option<Reference>,
) -> MeasureInput<'a> {
    let events: Vec<&Event> = log
        .entries()
        .iter()
        .filter_map(|e| match &e.entry {
            Entry::Package { event } => Some(event),
            _ => None,
        })
        .collect();
    let tabled: Vec<ClauseId> = events
        .iter()
        .filter_map(|e| match e {
            Event::ItemTabled { clause, .. } => Some(*clause),
            _ => None,
        })
        .collect();
    let initial = clauses.iter().map(|c| ClauseId(c.clause)).filter(|c| !tabled.contains(c)).collect();
    MeasureInput {
        parties: talks.scenario.parties.iter().map(|p| p.name.clone()).collect(),
        initial,
        events,
        texts,
        sessions: &talks.sessions,
        names: Names {
            actors: actor_names.to_vec(),
            clauses: clauses.iter().map(|c| (ClauseId(c.clause), c.title.clone())).collect(),
        },
        start: talks.start(),
        end,
        reference,
    }
}

/// The frontier and solutions of the parties' preferences at the start.
pub fn reference(talks: &Talks) -> Result<Reference, MeasuresError> {
    let space = &talks.scenario.space;
    let tables: Vec<UtilityTable> =
        talks.scenario.parties.iter().map(|p| UtilityTable::new(space, &p.utility)).collect::<Result<_, _>>()?;
    let refs: Vec<&UtilityTable> = tables.iter().collect();
    let a = analyze(&refs)?;
    Ok(Reference {
        frontier: a.frontier.iter().map(|p| p.utilities.clone()).collect(),
        nash: a.solutions.nash_negmas.first().map(|p| p.utilities.clone()),
        kalai_smorodinsky: a.solutions.kalai_smorodinsky.as_ref().map(|p| p.utilities.clone()),
    })
}

/// Every measure of `input`.
pub fn compute(input: &MeasureInput) -> Measures {
    let curve = clause_curve(&input.initial, input.events.iter().copied(), input.start);
    let progress = progress_times(&curve, input.texts);
    let in_session: Vec<(Timestamp, Timestamp)> = session_spans(input.sessions, input.end);
    let stall = stall_at(&progress, input.start, input.end, &in_session);
    let mut injections = injections(input.events.iter().copied(), input.sessions, &input.names);
    let reopens = reopens(input.events.iter().copied(), &input.names);

    let order = session_order(input.sessions);
    let mut sessions = Vec::new();
    for &k in &order {
        let s = &input.sessions[k];
        if s.start > input.end {
            continue;
        }
        let end = s.end().min(input.end);
        let at_end = value_at(&curve, end);
        let reopenings = input
            .events
            .iter()
            .filter(|e| matches!(e, Event::Transition { to: ClauseState::Reopened, .. }))
            .filter(|e| session_of(input.sessions, e.time()) == Some(k))
            .count();
        sessions.push(SessionMeasures {
            index: k,
            day: s.day,
            label: s.label.clone(),
            start: s.start,
            end,
            closure: at_end.map_or(0.0, |p| p.closure),
            waiting: at_end.map_or(0.0, |p| p.waiting),
            waiting_mean: time_mean(&curve, &[(s.start, end)], |p| p.waiting),
            stall: stall_at(&progress, input.start, end, &in_session),
            injections: injections.items.iter().filter(|i| i.session == Some(k)).count(),
            reopenings,
        });
    }
    injections.per_session = (!sessions.is_empty()).then(|| injections.items.len() as f64 / sessions.len() as f64);
    let distances = input.reference.as_ref().map(|r| text_distances(input, r));
    Measures {
        start: input.start,
        end: input.end,
        steps: text_steps(&input.parties, input.texts),
        backtracking: backtracking(&curve),
        waiting_mean: time_mean(&curve, &in_session, |p| p.waiting),
        curve,
        sessions,
        reopens,
        stall,
        injections,
        distances,
        drafts: Vec::new(),
    }
}

// ---------------------------------------------------------------------------
// The pieces, each usable alone.

/// The clauses' states over time from the package's events: one point at
/// `start` (the initial agenda, every clause OPEN), then one per minute in
/// which the counts changed, after every event of that minute.
pub fn clause_curve<'a>(
    initial: &[ClauseId],
    events: impl IntoIterator<Item = &'a Event>,
    start: Timestamp,
) -> Vec<ClausePoint> {
    let mut states: BTreeMap<ClauseId, ClauseState> = initial.iter().map(|&c| (c, ClauseState::Open)).collect();
    let point = |time: Timestamp, states: &BTreeMap<ClauseId, ClauseState>| {
        let live = states.values().filter(|s| **s != ClauseState::Withdrawn).count();
        let provisional = states.values().filter(|s| **s == ClauseState::Provisional).count();
        let ad_ref = states.values().filter(|s| **s == ClauseState::AdRef).count();
        let share = |k: usize| if live == 0 { 0.0 } else { k as f64 / live as f64 };
        ClausePoint { time, live, provisional, ad_ref, closure: share(provisional), waiting: share(ad_ref) }
    };
    let same =
        |a: &ClausePoint, b: &ClausePoint| a.live == b.live && a.provisional == b.provisional && a.ad_ref == b.ad_ref;
    let mut curve = vec![point(start, &states)];
    for e in events {
        match e {
            Event::ItemTabled { clause, .. } => {
                states.insert(*clause, ClauseState::Open);
            }
            Event::Transition { clause, to, .. } => {
                states.insert(*clause, *to);
            }
            _ => continue,
        }
        // A log never goes back in time; if one did, its event would count at the latest time seen.
        let last_time = curve.last().map_or(start, |p| p.time);
        let p = point(e.time().max(last_time), &states);
        match curve.last_mut() {
            Some(last) if last.time == p.time => {
                *last = p;
                // A minute whose changes cancel out is no change.
                let n = curve.len();
                if n >= 2 && same(&curve[n - 2], &curve[n - 1]) {
                    curve.pop();
                }
            }
            Some(last) if same(last, &p) => {}
            _ => curve.push(p),
        }
    }
    curve
}

/// The point in force at `t` (the last at or before `t`).
pub fn value_at(curve: &[ClausePoint], t: Timestamp) -> Option<&ClausePoint> {
    curve.iter().take_while(|p| p.time <= t).last()
}

/// The time-weighted mean of `f` over the union of `spans` (`None` when they are empty).
pub fn time_mean(
    curve: &[ClausePoint],
    spans: &[(Timestamp, Timestamp)],
    f: impl Fn(&ClausePoint) -> f64,
) -> Option<f64> {
    let mut total = 0u64;
    let mut sum = 0.0;
    for &(a, b) in spans {
        if b <= a {
            continue;
        }
        total += b - a;
        // Pieces of [a, b) between the curve's points.
        let mut t = a;
        let mut v = value_at(curve, a).map_or(0.0, &f);
        for p in curve.iter().filter(|p| p.time > a && p.time < b) {
            sum += v * (p.time - t) as f64;
            t = p.time;
            v = f(p);
        }
        sum += v * (b - t) as f64;
    }
    (total > 0).then(|| sum / total as f64)
}

/// Backtracking episodes of the closure ratio (see the module documentation).
pub fn backtracking(curve: &[ClausePoint]) -> Vec<Episode> {
    let mut out = Vec::new();
    let mut open: Option<Episode> = None;
    for w in curve.windows(2) {
        let (prev, cur) = (&w[0], &w[1]);
        match open.as_mut() {
            Some(ep) if cur.closure >= ep.from - TOLERANCE => {
                ep.recovered_at = Some(cur.time);
                ep.recovery = Some(cur.time.saturating_sub(ep.start));
                out.extend(open.take());
            }
            Some(ep) => {
                if cur.closure < prev.closure - TOLERANCE {
                    ep.falls += 1;
                }
                if cur.closure < ep.lowest {
                    ep.lowest = cur.closure;
                    ep.depth = ep.from - cur.closure;
                }
            }
            None if cur.closure < prev.closure - TOLERANCE => {
                open = Some(Episode {
                    start: cur.time,
                    from: prev.closure,
                    lowest: cur.closure,
                    depth: prev.closure - cur.closure,
                    falls: 1,
                    recovered_at: None,
                    recovery: None,
                });
            }
            None => {}
        }
    }
    out.extend(open);
    out
}

/// The times of progress: rises of `C(t)`, and Pareto-improving changes of
/// the text (a snapshot whose text differs from the one before and that no
/// party values less and some party more). Sorted, without repeats.
pub fn progress_times(curve: &[ClausePoint], texts: &[TextSnapshot]) -> Vec<Timestamp> {
    let mut out: Vec<Timestamp> =
        curve.windows(2).filter(|w| w[1].closure > w[0].closure + TOLERANCE).map(|w| w[1].time).collect();
    out.extend(texts.windows(2).filter(|w| pareto_improves(&w[0], &w[1])).map(|w| w[1].time));
    out.sort_unstable();
    out.dedup();
    out
}

/// Whether `b` is a new text that makes nobody worse off and somebody better off than `a`.
pub fn pareto_improves(a: &TextSnapshot, b: &TextSnapshot) -> bool {
    a.text != b.text
        && a.utilities.len() == b.utilities.len()
        && a.utilities.iter().zip(&b.utilities).all(|(x, y)| y - x >= -TOLERANCE)
        && a.utilities.iter().zip(&b.utilities).any(|(x, y)| y - x > TOLERANCE)
}

/// The stall index at `at`: time since the last progress at or before `at`
/// (or since `start`), on the clock and within `in_session` spans.
pub fn stall_at(
    progress: &[Timestamp],
    start: Timestamp,
    at: Timestamp,
    in_session: &[(Timestamp, Timestamp)],
) -> Stall {
    let since = progress.iter().copied().filter(|&p| p <= at).max();
    let from = since.unwrap_or(start).min(at);
    let session_minutes = in_session.iter().map(|&(a, b)| b.min(at).saturating_sub(a.max(from))).sum::<u64>();
    Stall { at, since, minutes: at - from, session_minutes }
}

/// The sessions in time order (indices into `sessions`).
fn session_order(sessions: &[Session]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..sessions.len()).collect();
    order.sort_by_key(|&k| (sessions[k].start, k));
    order
}

/// The sessions as spans of time, cut at `end`.
fn session_spans(sessions: &[Session], end: Timestamp) -> Vec<(Timestamp, Timestamp)> {
    session_order(sessions)
        .into_iter()
        .map(|k| (sessions[k].start, sessions[k].end().min(end)))
        .filter(|(a, b)| b > a)
        .collect()
}

/// The session a moment counts for: the one in progress (`start ≤ t < end`),
/// else the next one (a break counts for the session after it), else the last.
pub fn session_of(sessions: &[Session], t: Timestamp) -> Option<usize> {
    let order = session_order(sessions);
    order.iter().copied().find(|&k| t < sessions[k].end()).or_else(|| order.last().copied())
}

/// Closures and reopenings, per clause and per actor.
pub fn reopens<'a>(events: impl IntoIterator<Item = &'a Event>, names: &Names) -> Reopens {
    let mut per_clause: BTreeMap<ClauseId, (usize, usize)> = BTreeMap::new();
    let mut per_actor: BTreeMap<ActorId, usize> = BTreeMap::new();
    for e in events {
        let Event::Transition { clause, to, actor, .. } = e else { continue };
        match to {
            ClauseState::Provisional => per_clause.entry(*clause).or_default().0 += 1,
            ClauseState::Reopened => {
                per_clause.entry(*clause).or_default().1 += 1;
                *per_actor.entry(*actor).or_default() += 1;
            }
            _ => {}
        }
    }
    let closures: usize = per_clause.values().map(|c| c.0).sum();
    let reopenings: usize = per_clause.values().map(|c| c.1).sum();
    let rate = |r: usize, c: usize| (c > 0).then(|| r as f64 / c as f64);
    Reopens {
        closures,
        reopenings,
        rate: rate(reopenings, closures),
        per_clause: per_clause
            .into_iter()
            .map(|(c, (closures, reopenings))| ClauseReopens {
                clause: c.0,
                title: names.clause(c),
                closures,
                reopenings,
                rate: rate(reopenings, closures),
            })
            .collect(),
        per_actor: per_actor
            .into_iter()
            .map(|(a, reopenings)| ActorReopens { actor: names.actor(a), reopenings, rate: rate(reopenings, closures) })
            .collect(),
    }
}

/// Items tabled during the talks, with the session each counts for.
/// `per_session` is left `None` (it depends on which sessions took place; [`compute`] fills it).
pub fn injections<'a>(events: impl IntoIterator<Item = &'a Event>, sessions: &[Session], names: &Names) -> Injections {
    let mut items = Vec::new();
    let mut per_actor: BTreeMap<ActorId, usize> = BTreeMap::new();
    for e in events {
        let Event::ItemTabled { clause, item, actor, time, .. } = e else { continue };
        *per_actor.entry(*actor).or_default() += 1;
        let title =
            names.clauses.iter().find(|(c, _)| c == clause).map_or_else(|| item.title.clone(), |(_, t)| t.clone());
        items.push(Injection {
            time: *time,
            clause: clause.0,
            title,
            actor: names.actor(*actor),
            session: session_of(sessions, *time),
        });
    }
    Injections {
        items,
        per_session: None,
        per_actor: per_actor.into_iter().map(|(a, count)| ActorCount { actor: names.actor(a), count }).collect(),
    }
}

/// The snapshots at which the text changed (the first, then each whose text
/// differs from the one before); snapshots with the wrong number of
/// utilities are skipped.
pub fn distinct_texts(n_parties: usize, texts: &[TextSnapshot]) -> Vec<&TextSnapshot> {
    let mut out: Vec<&TextSnapshot> = Vec::new();
    for s in texts.iter().filter(|s| s.utilities.len() == n_parties) {
        if out.last().is_none_or(|l| l.text != s.text) {
            out.push(s);
        }
    }
    out
}

/// Step classes of the text for each party, between consecutive distinct texts.
pub fn text_steps(parties: &[String], texts: &[TextSnapshot]) -> Vec<PartySteps> {
    let n = parties.len();
    let distinct = distinct_texts(n, texts);
    // Each text counts as every party's "offer": party p's steps are then
    // the steps between consecutive texts, judged by p.
    let offers: Vec<(usize, &[f64])> =
        distinct.iter().flat_map(|s| (0..n).map(move |p| (p, &s.utilities[..]))).collect();
    step_classes(n, &offers)
        .into_iter()
        .zip(parties)
        .map(|(s, name)| PartySteps { party: name.clone(), counts: StepCounts::of(&s.steps), steps: s.steps })
        .collect()
}

/// Distances of the text to `reference` over time: one per snapshot whose utilities changed.
pub fn text_distances(input: &MeasureInput, reference: &Reference) -> Distances {
    let n = input.parties.len();
    let frontier: Vec<&[f64]> = reference.frontier.iter().filter(|p| p.len() == n).map(|p| &p[..]).collect();
    let nash = reference.nash.as_deref().filter(|p| p.len() == n);
    let ks = reference.kalai_smorodinsky.as_deref().filter(|p| p.len() == n);
    let mut points: Vec<&TextSnapshot> = Vec::new();
    for s in input.texts.iter().filter(|s| s.utilities.len() == n) {
        if points.last().is_none_or(|l| l.utilities != s.utilities) {
            points.push(s);
        }
    }
    let relative = |t: Timestamp| {
        if input.end <= input.start {
            1.0
        } else {
            (t.saturating_sub(input.start) as f64 / (input.end - input.start) as f64).clamp(0.0, 1.0)
        }
    };
    let d = distances_over_time(points.iter().map(|s| (relative(s.time), &s.utilities[..])), &frontier, nash);
    Distances {
        basis: DISTANCE_BASIS.to_string(),
        frontier_points: frontier.len(),
        nash: nash.map(<[f64]>::to_vec),
        kalai_smorodinsky: ks.map(<[f64]>::to_vec),
        over_time: points
            .iter()
            .zip(d)
            .map(|(s, d)| TextDistance {
                time: s.time,
                t: d.t,
                pareto: d.pareto,
                nash: d.nash,
                kalai_smorodinsky: ks.map(|k| distance(&s.utilities, k)),
            })
            .collect(),
    }
}

// ---------------------------------------------------------------------------
// Text.

/// `7 h 45 min`.
pub fn duration(minutes: u64) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m:02} min"),
    }
}

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

fn opt(x: Option<f64>) -> String {
    x.map_or("-".to_string(), |v| format!("{v:.3}"))
}

/// The "Measures" block for the end of the transcript.
pub fn measures_text(m: &Measures, talks: &Talks) -> String {
    render(m, &talks.sessions)
}

fn render(m: &Measures, all_sessions: &[Session]) -> String {
    let mut out = String::from("Measures\n");
    let closing: Vec<String> = m.sessions.iter().map(|s| format!("{}: {}", s.label, pct(s.closure))).collect();
    let _ = writeln!(out, "  closure (live clauses provisional) at each session's end: {}", closing.join("; "));
    if m.backtracking.is_empty() {
        let _ = writeln!(out, "  backtracking: none");
    }
    const SHOWN: usize = 3;
    for e in m.backtracking.iter().take(SHOWN) {
        let rec = match e.recovery {
            Some(r) => format!("recovered after {}", duration(r)),
            None => "not recovered".to_string(),
        };
        let falls = if e.falls > 1 { format!(", {} falls", e.falls) } else { String::new() };
        let _ = writeln!(
            out,
            "  backtracking: {}: closure {} -> {} (depth {}{falls}), {rec}",
            clock(e.start),
            pct(e.from),
            pct(e.lowest),
            pct(e.depth)
        );
    }
    if m.backtracking.len() > SHOWN {
        let _ = writeln!(out, "  backtracking: {} more episodes", m.backtracking.len() - SHOWN);
    }
    let r = &m.reopens;
    let by: Vec<String> = r.per_actor.iter().map(|a| format!("{} {}", a.actor, a.reopenings)).collect();
    let by = if by.is_empty() { String::new() } else { format!(", by {}", by.join(", ")) };
    let clauses: Vec<String> = r
        .per_clause
        .iter()
        .filter(|c| c.reopenings > 0)
        .map(|c| format!("{} {} of {}", c.title, c.reopenings, c.closures))
        .collect();
    let clauses = if clauses.is_empty() { String::new() } else { format!("; {}", clauses.join(", ")) };
    let _ = writeln!(
        out,
        "  reopenings: {} of {} closures{}{by}{clauses}",
        r.reopenings,
        r.closures,
        r.rate.map_or(String::new(), |x| format!(" (rate {})", pct(x)))
    );
    let injected: Vec<String> = m
        .injections
        .items
        .iter()
        .map(|i| {
            let session =
                i.session.and_then(|k| all_sessions.get(k)).map_or(String::new(), |s| format!(", for {}", s.label));
            format!("{} by {} ({}{session})", i.title, i.actor, clock(i.time))
        })
        .collect();
    let _ = writeln!(
        out,
        "  items tabled off the agenda: {}{}",
        m.injections.items.len(),
        if injected.is_empty() { String::new() } else { format!(": {}", injected.join("; ")) }
    );
    let since = m.stall.since.map_or("the start, no progress".to_string(), clock);
    let _ = writeln!(
        out,
        "  stall index at the end: {} since the last progress ({since}), {} of it in session",
        duration(m.stall.minutes),
        duration(m.stall.session_minutes)
    );
    if let Some(w) = m.waiting_mean {
        let _ = writeln!(out, "  waiting for a capital: {} of live clauses on average in session", pct(w));
    }
    let steps: Vec<String> = m
        .steps
        .iter()
        .map(|p| {
            let classes: Vec<String> =
                p.counts.pairs().iter().filter(|(_, n)| *n > 0).map(|(c, n)| format!("{n} {}", c.name())).collect();
            format!("{} {}", p.party, if classes.is_empty() { "none".to_string() } else { classes.join(", ") })
        })
        .collect();
    let _ = writeln!(out, "  steps of the text: {}", steps.join("; "));
    // Co-mediators that differ: whose drafts were accepted (shown when a mediator has a rule of its own).
    if m.drafts.iter().any(|d| d.rule != "margin") {
        let drafts: Vec<String> = m
            .drafts
            .iter()
            .map(|d| format!("{} ({}) {} put, {} accepted", d.mediator, d.rule, d.put, d.accepted))
            .collect();
        let _ = writeln!(out, "  drafts by mediator: {}", drafts.join("; "));
    }
    if let Some(d) = &m.distances
        && let (Some(first), Some(last)) = (d.over_time.first(), d.over_time.last())
    {
        let _ = writeln!(
            out,
            "  distance of the text: to the Pareto frontier {} -> {}, to the Nash point {} -> {} (frontier at the start)",
            opt(first.pareto),
            opt(last.pareto),
            opt(first.nash),
            opt(last.nash)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: ActorId = ActorId(0);
    const B: ActorId = ActorId(1);
    const CAP_B: ActorId = ActorId(101);

    fn tr(clause: u32, from: ClauseState, to: ClauseState, actor: ActorId, time: Timestamp) -> Event {
        Event::Transition { clause: ClauseId(clause), from, to, actor, time, reason: None }
    }

    fn close(clause: u32, time: Timestamp) -> [Event; 2] {
        [
            tr(clause, ClauseState::Bracketed, ClauseState::AdRef, B, time.saturating_sub(5)),
            tr(clause, ClauseState::AdRef, ClauseState::Provisional, CAP_B, time),
        ]
    }

    fn session(day: u32, start: Timestamp, minutes: u64) -> Session {
        Session { day, label: format!("s{day}"), start, minutes }
    }

    fn snap(time: Timestamp, text: &[u32], utilities: &[f64]) -> TextSnapshot {
        TextSnapshot { time, text: text.to_vec(), utilities: utilities.to_vec(), closure: 0.0, waiting: 0.0 }
    }

    /// Four clauses: 0, 1, 2 close at 10, 20, 25; clause 1 is reopened by B at
    /// 30, restarted at 35 and closed again at 50.
    fn hand_log() -> Vec<Event> {
        let mut ev = Vec::new();
        ev.extend(close(0, 10));
        ev.extend(close(1, 20));
        ev.extend(close(2, 25));
        ev.push(tr(1, ClauseState::Provisional, ClauseState::Reopened, B, 30));
        ev.push(tr(1, ClauseState::Reopened, ClauseState::Open, ActorId(200), 35));
        ev.push(tr(1, ClauseState::Open, ClauseState::Bracketed, ActorId(200), 40));
        ev.extend(close(1, 50));
        ev
    }

    fn ids(n: u32) -> Vec<ClauseId> {
        (0..n).map(ClauseId).collect()
    }

    #[test]
    fn closure_curve_of_a_hand_log() {
        let ev = hand_log();
        let curve = clause_curve(&ids(4), &ev, 0);
        let c: Vec<(Timestamp, f64)> = curve.iter().map(|p| (p.time, p.closure)).collect();
        assert_eq!(
            c,
            vec![(0, 0.0), (5, 0.0), (10, 0.25), (15, 0.25), (20, 0.5), (25, 0.75), (30, 0.5), (45, 0.5), (50, 0.75)]
        );
        // AD_REF at 5, 15, 20 (clause 2 from 20 to 25), 45.
        let w: Vec<(Timestamp, usize)> = curve.iter().map(|p| (p.time, p.ad_ref)).collect();
        assert_eq!(w, vec![(0, 0), (5, 1), (10, 0), (15, 1), (20, 1), (25, 0), (30, 0), (45, 1), (50, 0)]);
        assert_eq!(value_at(&curve, 29).map(|p| p.closure), Some(0.75));
        assert_eq!(value_at(&curve, 30).map(|p| p.closure), Some(0.5));
        assert_eq!(value_at(&curve, 1000).map(|p| p.closure), Some(0.75));
    }

    #[test]
    fn one_backtracking_episode_recovered_after_twenty_minutes() {
        let ev = hand_log();
        let curve = clause_curve(&ids(4), &ev, 0);
        let eps = backtracking(&curve);
        assert_eq!(
            eps,
            vec![Episode {
                start: 30,
                from: 0.75,
                lowest: 0.5,
                depth: 0.25,
                falls: 1,
                recovered_at: Some(50),
                recovery: Some(20)
            }]
        );
    }

    #[test]
    fn an_episode_not_recovered_and_a_deeper_second_fall() {
        let mut ev = hand_log();
        ev.push(tr(0, ClauseState::Provisional, ClauseState::Reopened, A, 60));
        ev.push(tr(2, ClauseState::Provisional, ClauseState::Reopened, A, 70));
        ev.extend(close(0, 80));
        let curve = clause_curve(&ids(4), &ev, 0);
        let eps = backtracking(&curve);
        assert_eq!(eps.len(), 2);
        let e = &eps[1];
        assert_eq!((e.start, e.from, e.lowest, e.falls), (60, 0.75, 0.25, 2));
        assert!((e.depth - 0.5).abs() < 1e-15);
        assert_eq!((e.recovered_at, e.recovery), (None, None));
    }

    #[test]
    fn a_tabled_item_lowers_the_closure_and_a_withdrawal_raises_it() {
        let mut ev: Vec<Event> = close(0, 10).into();
        ev.push(Event::ItemTabled {
            clause: ClauseId(1),
            item: entente_protocols::package::ClauseSpec::new("guarantor", [0, 1]),
            actor: B,
            time: 20,
            reason: None,
        });
        ev.push(tr(1, ClauseState::Open, ClauseState::Withdrawn, B, 30));
        let curve = clause_curve(&ids(1), &ev, 0);
        let c: Vec<(Timestamp, usize, f64)> = curve.iter().map(|p| (p.time, p.live, p.closure)).collect();
        assert_eq!(c, vec![(0, 1, 0.0), (5, 1, 0.0), (10, 1, 1.0), (20, 2, 0.5), (30, 1, 1.0)]);
        let eps = backtracking(&curve);
        assert_eq!(eps.len(), 1);
        assert_eq!((eps[0].start, eps[0].recovery), (20, Some(10)));
    }

    #[test]
    fn moves_of_the_same_minute_are_one_change() {
        // Reopened and closed again within minute 30: no change at all.
        let mut ev: Vec<Event> = close(0, 10).into();
        ev.push(tr(0, ClauseState::Provisional, ClauseState::Reopened, A, 30));
        ev.push(tr(0, ClauseState::Reopened, ClauseState::Open, A, 30));
        ev.push(tr(0, ClauseState::Open, ClauseState::Bracketed, A, 30));
        ev.push(tr(0, ClauseState::Bracketed, ClauseState::AdRef, A, 30));
        ev.push(tr(0, ClauseState::AdRef, ClauseState::Provisional, A, 30));
        let curve = clause_curve(&ids(1), &ev, 0);
        assert_eq!(curve.last().map(|p| p.time), Some(10));
        assert!(backtracking(&curve).is_empty());
    }

    #[test]
    fn reopen_rates_per_clause_and_per_actor() {
        let ev = hand_log();
        let names = Names { actors: vec![(B, "b".into())], clauses: vec![(ClauseId(1), "designation".into())] };
        let r = reopens(&ev, &names);
        assert_eq!((r.closures, r.reopenings), (4, 1));
        assert_eq!(r.rate, Some(0.25));
        assert_eq!(r.per_actor, vec![ActorReopens { actor: "b".into(), reopenings: 1, rate: Some(0.25) }]);
        let c1 = r.per_clause.iter().find(|c| c.clause == 1);
        assert_eq!(
            c1,
            Some(&ClauseReopens {
                clause: 1,
                title: "designation".into(),
                closures: 2,
                reopenings: 1,
                rate: Some(0.5)
            })
        );
        let c0 = r.per_clause.iter().find(|c| c.clause == 0);
        assert_eq!(
            c0.map(|c| (c.title.as_str(), c.closures, c.reopenings, c.rate)),
            Some(("clause 0", 1, 0, Some(0.0)))
        );
    }

    #[test]
    fn stall_index() {
        let ev = hand_log();
        let curve = clause_curve(&ids(4), &ev, 0);
        // Rises at 10, 20, 25 and 50; a Pareto-improving text at 60, a
        // Pareto-neutral one (a trade-off) at 70.
        let texts = vec![snap(0, &[0, 0], &[0.5, 0.5]), snap(60, &[1, 0], &[0.6, 0.5]), snap(70, &[1, 1], &[0.7, 0.4])];
        let progress = progress_times(&curve, &texts);
        assert_eq!(progress, vec![10, 20, 25, 50, 60]);
        let sessions = [(0, 40), (55, 100)];
        let s = stall_at(&progress, 0, 45, &sessions);
        assert_eq!((s.since, s.minutes, s.session_minutes), (Some(25), 20, 15));
        let s = stall_at(&progress, 0, 100, &sessions);
        assert_eq!((s.since, s.minutes, s.session_minutes), (Some(60), 40, 40));
        let s = stall_at(&progress, 0, 5, &sessions);
        assert_eq!((s.since, s.minutes, s.session_minutes), (None, 5, 5));
        // Same utilities, new text: no progress; same text, better utilities: no progress.
        assert!(!pareto_improves(&snap(0, &[0], &[0.5, 0.5]), &snap(1, &[1], &[0.5, 0.5])));
        assert!(!pareto_improves(&snap(0, &[0], &[0.5, 0.5]), &snap(1, &[0], &[0.6, 0.5])));
    }

    #[test]
    fn injections_count_for_the_session_after_a_break() {
        let sessions = vec![session(1, 0, 100), session(2, 200, 100), session(3, 400, 100)];
        let tabled = |clause: u32, actor: ActorId, time: Timestamp| Event::ItemTabled {
            clause: ClauseId(clause),
            item: entente_protocols::package::ClauseSpec::new(format!("item {clause}"), [0, 1]),
            actor,
            time,
            reason: None,
        };
        // In session 1; in the break before session 2 (at the very end of
        // session 1); in session 2; after the last session.
        let ev = [tabled(4, A, 50), tabled(5, B, 100), tabled(6, B, 250), tabled(7, B, 900)];
        let names = Names { actors: vec![(A, "a".into()), (B, "b".into())], clauses: vec![] };
        let inj = injections(&ev, &sessions, &names);
        let s: Vec<Option<usize>> = inj.items.iter().map(|i| i.session).collect();
        assert_eq!(s, vec![Some(0), Some(1), Some(1), Some(2)]);
        assert_eq!(inj.items[0].title, "item 4");
        assert_eq!(
            inj.per_actor,
            vec![ActorCount { actor: "a".into(), count: 1 }, ActorCount { actor: "b".into(), count: 3 }]
        );
        // Unsorted sessions: the same answer.
        let shuffled = vec![sessions[2].clone(), sessions[0].clone(), sessions[1].clone()];
        assert_eq!(session_of(&shuffled, 150), Some(2));
        assert_eq!(session_of(&[], 150), None);
    }

    #[test]
    fn waiting_share_integrates_over_the_sessions() {
        let ev = hand_log();
        let curve = clause_curve(&ids(4), &ev, 0);
        // AD_REF counts: [5,10) 1, [15,25) 1, [45,50) 1, else 0; four live clauses.
        // Over [0, 60): (5 + 10 + 5) / 4 / 60.
        let m = time_mean(&curve, &[(0, 60)], |p| p.waiting);
        assert!(m.is_some_and(|m| (m - 20.0 / 4.0 / 60.0).abs() < 1e-15), "{m:?}");
        // Over [8, 18) and [40, 47): waiting 2 + 3 and 2 minutes of 17.
        let m = time_mean(&curve, &[(8, 18), (40, 47)], |p| p.waiting);
        assert!(m.is_some_and(|m| (m - 7.0 / 4.0 / 17.0).abs() < 1e-15), "{m:?}");
        assert_eq!(time_mean(&curve, &[], |p| p.waiting), None);
        assert_eq!(time_mean(&curve, &[(5, 5)], |p| p.waiting), None);
    }

    #[test]
    fn step_classes_of_a_hand_sequence_of_texts() {
        let parties = vec!["a".to_string(), "b".to_string(), "c".to_string()];
        let texts = vec![
            snap(0, &[0], &[0.5, 0.5, 0.5]),
            snap(1, &[0], &[0.9, 0.9, 0.9]), // the same text again: no step
            snap(2, &[1], &[0.6, 0.6, 0.4]), // Δ (+.1, +.1, -.1)
            snap(3, &[2], &[0.5, 0.7, 0.5]), // Δ (-.1, +.1, +.1)
            snap(4, &[3, 1], &[0.5]),        // malformed: skipped
            snap(5, &[3], &[0.5, 0.7, 0.5]), // Δ 0
            snap(6, &[4], &[0.6, 0.8, 0.5]), // Δ (+.1, +.1, 0)
            snap(7, &[5], &[0.6, 0.8, 0.4]), // Δ (0, 0, -.1)
        ];
        let s = text_steps(&parties, &texts);
        use StepClass::*;
        // a: own +, others (+.1 - .1)/2 = 0; own -, others +; silent; own +, others +; own 0, others -.
        assert_eq!(s[0].steps, vec![Selfish, Concession, Silent, Fortunate, Unfortunate]);
        assert_eq!(s[1].steps, vec![Selfish, Selfish, Silent, Fortunate, Unfortunate]);
        // c: own -, others +; own +, others 0; silent; own 0, others +; own -, others 0.
        assert_eq!(s[2].steps, vec![Concession, Selfish, Silent, Nice, Concession]);
        assert_eq!(s[2].party, "c");
        assert_eq!(s[2].counts, StepCounts { concession: 2, selfish: 1, silent: 1, nice: 1, ..StepCounts::default() });
    }

    #[test]
    fn everything_from_hand_built_input() {
        let ev = hand_log();
        let mut ev_refs: Vec<&Event> = ev.iter().collect();
        let tabled = Event::ItemTabled {
            clause: ClauseId(4),
            item: entente_protocols::package::ClauseSpec::new("guarantor", [0, 1]),
            actor: B,
            time: 150,
            reason: None,
        };
        ev_refs.push(&tabled);
        let texts = vec![snap(0, &[0, 0], &[0.4, 0.4]), snap(50, &[1, 0], &[0.5, 0.5])];
        let sessions = vec![session(1, 0, 100), session(2, 200, 100)];
        let input = MeasureInput {
            parties: vec!["a".into(), "b".into()],
            initial: ids(4),
            events: ev_refs,
            texts: &texts,
            sessions: &sessions,
            names: Names::default(),
            start: 0,
            end: 300,
            reference: Some(Reference {
                frontier: vec![vec![1.0, 0.0], vec![0.6, 0.6], vec![0.0, 1.0]],
                nash: Some(vec![0.6, 0.6]),
                kalai_smorodinsky: None,
            }),
        };
        let m = compute(&input);
        // Four clauses at 50..150 (3 provisional), five from 150.
        assert_eq!(m.sessions.len(), 2);
        assert_eq!(m.sessions[0].closure, 0.75);
        assert_eq!(m.sessions[1].closure, 0.6);
        assert_eq!((m.sessions[0].injections, m.sessions[1].injections), (0, 1));
        assert_eq!((m.sessions[0].reopenings, m.sessions[1].reopenings), (1, 0));
        assert_eq!(m.injections.per_session, Some(0.5));
        // Episodes: the reopening (recovered) and the tabled item (not recovered).
        assert_eq!(m.backtracking.len(), 2);
        assert_eq!(m.backtracking[1].recovered_at, None);
        // Last progress: the rise at 50 (and the better text at 50).
        assert_eq!(m.stall.since, Some(50));
        assert_eq!((m.stall.minutes, m.stall.session_minutes), (250, 150));
        assert_eq!(m.sessions[0].stall.minutes, 50);
        let d = m.distances.as_ref().map(|d| d.over_time.clone()).unwrap_or_default();
        assert_eq!(d.len(), 2);
        assert!((d[1].pareto.unwrap_or(f64::NAN) - (0.02f64).sqrt()).abs() < 1e-12);
        assert!((d[0].t, d[1].t) == (0.0, 50.0 / 300.0));
        let text = render(&m, &sessions);
        assert!(text.contains("not recovered"), "{text}");
        assert!(text.contains("reopenings: 1 of 4 closures (rate 25%), by actor 1 1; clause 1 1 of 2"), "{text}");
        assert!(text.contains("guarantor by actor 1 (day 1, 02:30, for s2)"), "{text}");
        assert!(text.contains("s1: 75%; s2: 60%"), "{text}");
        // Serialisable.
        assert!(serde_json::to_string(&m).is_ok());
    }
}
