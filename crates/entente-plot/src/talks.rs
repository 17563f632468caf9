//! The figure of a round of talks, as plain data, and its validation.
//!
//! Times are minutes since day 1, 00:00 (the talks' clock): the figure writes them as `HH:MM` and the sessions'
//! own labels name the days.

use crate::error::InvalidInput;

/// One figure of one or more rounds of talks (a base round and a changed one are drawn one above the other, on
/// the same time axis).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TalksFigure {
    /// The figure's title (e.g. the talks' name); empty: "Talks".
    pub title: String,
    /// A line under the title (e.g. whose view this is); `None` for none.
    pub subtitle: Option<String>,
    /// The rounds, drawn from top to bottom (at least one, at most [`crate::MAX_ROUNDS`]).
    pub rounds: Vec<TalksRound>,
}

/// One round of talks: its sessions, clauses, markers and curves.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TalksRound {
    /// A heading above the round (e.g. "Base round", "Counterfactual: unified"); `None` for none.
    pub heading: Option<String>,
    /// The working sessions, in time order, not overlapping (at least one).
    pub sessions: Vec<SessionBand>,
    /// The minute the round ended (adoption, breakdown, or the mediators' end): lanes and curves stop there.
    pub end: u64,
    /// One lane per clause (agenda items, then items tabled later), top to bottom.
    pub clauses: Vec<ClauseLane>,
    /// What happened, at its minute.
    pub markers: Vec<TalksMarker>,
    /// The share of live clauses PROVISIONAL, in [0, 1], from each minute on. Empty: no closure panel.
    pub closure: Vec<(u64, f64)>,
    /// Each party's utility of the mediators' text and its reservation value. Empty: no utility panel.
    pub parties: Vec<PartyCurves>,
    /// For each divided delegation shown, its blocs' utilities of the text and reversion points.
    pub delegations: Vec<DelegationCurves>,
}

/// A working session: from `start` to `end` (minutes), labelled as in the transcript ("day 3, second sitting").
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SessionBand {
    /// First minute.
    pub start: u64,
    /// Last minute (after `start`).
    pub end: u64,
    /// The session's label.
    pub label: String,
}

/// A clause's state, as its lane is coloured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LaneState {
    /// On the agenda, no options yet.
    Open,
    /// Options in brackets.
    Bracketed,
    /// Agreed ad referendum (waiting for the capitals).
    AdRef,
    /// Agreed and confirmed.
    Provisional,
    /// Put back under review.
    Reopened,
    /// Taken off the agenda.
    Withdrawn,
}

impl LaneState {
    /// The state's name as the transcript writes it.
    pub fn name(self) -> &'static str {
        match self {
            LaneState::Open => "OPEN",
            LaneState::Bracketed => "BRACKETED",
            LaneState::AdRef => "AD_REF",
            LaneState::Provisional => "PROVISIONAL",
            LaneState::Reopened => "REOPENED",
            LaneState::Withdrawn => "WITHDRAWN",
        }
    }

    /// Every state, in the legend's order.
    pub const ALL: [LaneState; 6] = [
        LaneState::Open,
        LaneState::Bracketed,
        LaneState::AdRef,
        LaneState::Provisional,
        LaneState::Reopened,
        LaneState::Withdrawn,
    ];
}

/// One clause's lane: from `from` (the start of the round, or when it was tabled) to the round's end.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClauseLane {
    /// The clause's title.
    pub title: String,
    /// Who tabled it during the talks (`None`: on the agenda from the start).
    pub tabled_by: Option<String>,
    /// The minute the lane starts.
    pub from: u64,
    /// Its state from each minute on, in time order (the first at `from`); several at one minute: the last holds.
    pub states: Vec<(u64, LaneState)>,
}

/// What a marker stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkerKind {
    /// A bloc's instructions to its delegation (private to that delegation).
    Instruction,
    /// A public statement.
    Statement,
    /// An item tabled off the agenda.
    Tabled,
    /// An incident on the ground.
    Incident,
    /// The final vote (called, cast, failed).
    Vote,
    /// The end of the round (adoption, breakdown, or no agreement).
    End,
}

impl MarkerKind {
    /// Every kind, in the legend's order.
    pub const ALL: [MarkerKind; 6] = [
        MarkerKind::Instruction,
        MarkerKind::Statement,
        MarkerKind::Tabled,
        MarkerKind::Incident,
        MarkerKind::Vote,
        MarkerKind::End,
    ];
}

/// A dated event: its kind and a short label ("incident at border district").
#[derive(Clone, Debug, PartialEq)]
pub struct TalksMarker {
    /// Its minute.
    pub at: u64,
    /// What it is.
    pub kind: MarkerKind,
    /// The label drawn beside it.
    pub label: String,
}

/// A party's utility of the mediators' text over time (a step from each minute on) and its reservation value.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PartyCurves {
    /// The party's name.
    pub name: String,
    /// The party's place among the talks' parties (its colour: the same in every view of the talks).
    pub index: usize,
    /// Its utility of the text from each minute on.
    pub utility: Vec<(u64, f64)>,
    /// Its reservation value from each minute on (empty: not shown).
    pub reservation: Vec<(u64, f64)>,
}

/// A divided delegation's blocs: each bloc's utility of the text and its reversion point, and when the text was
/// outside the delegation's win-set.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DelegationCurves {
    /// The party's name.
    pub party: String,
    /// Its blocs.
    pub blocs: Vec<BlocCurves>,
    /// The periods `[from, to)` (minutes) when the text was outside the win-set.
    pub outside_win_set: Vec<(u64, u64)>,
}

/// One bloc's utility of the text and its reversion point over time (steps from each minute on).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BlocCurves {
    /// The bloc's name.
    pub name: String,
    /// Its utility of the text from each minute on.
    pub utility: Vec<(u64, f64)>,
    /// Its reversion point (the utility of no agreement to it) from each minute on.
    pub reversion: Vec<(u64, f64)>,
}

impl TalksFigure {
    /// Checks that the figure can be drawn: one to [`crate::MAX_ROUNDS`] rounds, each with sessions in time
    /// order, every value finite.
    pub(crate) fn validate(&self) -> Result<(), InvalidInput> {
        if self.rounds.is_empty() || self.rounds.len() > crate::MAX_ROUNDS {
            return Err(InvalidInput::Rounds { rounds: self.rounds.len() });
        }
        for (r, round) in self.rounds.iter().enumerate() {
            if round.sessions.is_empty() {
                return Err(InvalidInput::NoSessions { round: r });
            }
            let mut last = None;
            for (k, s) in round.sessions.iter().enumerate() {
                if s.end <= s.start || last.is_some_and(|l| s.start < l) {
                    return Err(InvalidInput::SessionOrder { round: r, session: k });
                }
                last = Some(s.end);
            }
            let finite = |what: &'static str, v: &[(u64, f64)]| match v.iter().find(|p| !p.1.is_finite()) {
                Some(&(at, value)) => Err(InvalidInput::TalksValue { round: r, what, at, value }),
                None => Ok(()),
            };
            finite("closure", &round.closure)?;
            for p in &round.parties {
                finite("utility", &p.utility)?;
                finite("reservation value", &p.reservation)?;
            }
            for b in round.delegations.iter().flat_map(|d| &d.blocs) {
                finite("bloc utility", &b.utility)?;
                finite("reversion point", &b.reversion)?;
            }
        }
        Ok(())
    }
}
