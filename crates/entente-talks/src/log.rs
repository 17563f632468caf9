//! The talks' event log: every move of the package protocol, and everything
//! else that happened (sessions, instructions, incidents, statements,
//! assessments), each with who may see it.
//!
//! Channels: public statements and the package's moves are seen by everybody
//! at the talks; a bloc's instructions to its delegation are seen by that
//! delegation (and its blocs) only; the mediators' assessments by the
//! mediators only. [`export_for`] gives a role the entries it may see, and
//! nothing else.
//!
//! Privacy is a property of the record: every value derived from a party's
//! private preferences (its utility of a text, the rationale of its
//! concessions, a change of its reservation value) is in an entry of its own
//! on that party's channel ([`Visibility::Party`], or
//! [`Visibility::Confided`] when the scenario confides the party's
//! preferences to the mediators), never in a public entry.
//!
//! The log is append-only: an entry's `seq` is its position, entries are never
//! moved or renumbered, and times never go back ([`Log::push`] refuses an
//! entry earlier than the last one).

use entente_protocols::package::{self, Reason, Timestamp};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Who may read an entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "channel")]
pub enum Visibility {
    /// Everybody at the talks (parties, mediators, observers).
    Public,
    /// One party's delegation and the blocs it answers to.
    Party { party: usize },
    /// One party and the mediators (the party confided its preferences to
    /// them, or a delegation and the mediators speak in confidence).
    Confided { party: usize },
    /// The mediators only.
    Mediators,
}

/// A channel a person (or an agent) types on: each is a [`Visibility`]
/// ([`Channel::visibility`]); who may post on which is
/// [`Channel::may_post`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "channel")]
pub enum Channel {
    /// A public statement: everybody at the talks.
    Public,
    /// A party's caucus: its delegation (and its capital) only.
    Caucus { party: usize },
    /// A capital's notes to its delegation (the handler's notes): that party only.
    Capital { party: usize },
    /// A delegation and the mediators, in confidence.
    Confidence { party: usize },
    /// The mediators only.
    Mediators,
}

/// Why a seat may not post on a channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum ChannelRefused {
    #[error("an observer posts nothing")]
    Observer,
    #[error("only a party's own delegation speaks in its caucus")]
    NotItsCaucus,
    #[error("only a delegation's capital writes it notes")]
    NotItsCapital,
    #[error("only the delegation concerned or a mediator speaks on a delegation's confidential channel")]
    NotItsConfidence,
    #[error("only the mediators speak on the mediators' channel")]
    NotAMediator,
    #[error("a guarantor speaks only in public")]
    GuarantorInPublicOnly,
}

impl Channel {
    /// Who may read what is posted on the channel.
    pub fn visibility(&self) -> Visibility {
        match *self {
            Channel::Public => Visibility::Public,
            Channel::Caucus { party } | Channel::Capital { party } => Visibility::Party { party },
            Channel::Confidence { party } => Visibility::Confided { party },
            Channel::Mediators => Visibility::Mediators,
        }
    }

    /// The party the channel belongs to, if any.
    pub fn party(&self) -> Option<usize> {
        match *self {
            Channel::Caucus { party } | Channel::Capital { party } | Channel::Confidence { party } => Some(party),
            Channel::Public | Channel::Mediators => None,
        }
    }

    /// Whether `actor` may post on this channel: everybody but an observer
    /// in public; a delegation in its own caucus; a capital to its own
    /// delegation; a delegation or any mediator on that delegation's
    /// confidential channel; a mediator on the mediators' channel.
    pub fn may_post(&self, actor: crate::actors::ActorRef) -> Result<(), ChannelRefused> {
        use crate::actors::ActorRef as A;
        match (actor, *self) {
            (A::Observer, _) => Err(ChannelRefused::Observer),
            (_, Channel::Public) => Ok(()),
            (A::Guarantor(_), _) => Err(ChannelRefused::GuarantorInPublicOnly),
            (A::Party(k), Channel::Caucus { party }) if k == party => Ok(()),
            (_, Channel::Caucus { .. }) => Err(ChannelRefused::NotItsCaucus),
            (A::Capital(k), Channel::Capital { party }) if k == party => Ok(()),
            (_, Channel::Capital { .. }) => Err(ChannelRefused::NotItsCapital),
            (A::Mediator(_), Channel::Confidence { .. }) => Ok(()),
            (A::Party(k), Channel::Confidence { party }) if k == party => Ok(()),
            (_, Channel::Confidence { .. }) => Err(ChannelRefused::NotItsConfidence),
            (A::Mediator(_), Channel::Mediators) => Ok(()),
            (_, Channel::Mediators) => Err(ChannelRefused::NotAMediator),
        }
    }
}

/// A reader of the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "role")]
pub enum Role {
    /// A party's delegation (with its capital and blocs).
    Party {
        party: usize,
    },
    Mediator,
    /// Anyone else: the press, an observer.
    Observer,
}

/// A reader named by a person (`--export NAME`, a role in a request) that
/// is no role of these talks.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("{name:?}: expected a party ({}), \"mediator\" or \"observer\"", parties.join(", "))]
pub struct UnknownRole {
    pub name: String,
    /// The parties' names, in order.
    pub parties: Vec<String>,
}

impl Role {
    /// The reader `name` names: a party's name, "mediator" (or "mediators")
    /// or "observer" (or "public").
    pub fn named(talks: &entente_model::talks::Talks, name: &str) -> Result<Role, UnknownRole> {
        let parties = &talks.scenario.parties;
        Ok(match name {
            "mediator" | "mediators" => Role::Mediator,
            "observer" | "public" => Role::Observer,
            _ => match parties.iter().position(|p| p.name == name) {
                Some(party) => Role::Party { party },
                None => {
                    let parties = parties.iter().map(|p| p.name.clone()).collect();
                    return Err(UnknownRole { name: name.to_string(), parties });
                }
            },
        })
    }

    /// Whether this role may read an entry of `visibility`.
    pub fn may_see(&self, visibility: &Visibility) -> bool {
        match (self, visibility) {
            (_, Visibility::Public) => true,
            (Role::Party { party }, Visibility::Party { party: p } | Visibility::Confided { party: p }) => party == p,
            (Role::Mediator, Visibility::Mediators | Visibility::Confided { .. }) => true,
            _ => false,
        }
    }
}

/// What an incident did, as everybody sees it (a change of a party's
/// reservation value goes to that party's channel: [`Entry::ReservationMoved`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "effect")]
pub enum IncidentEffect {
    /// The party reopens the provisional clauses on these issues.
    Reopens {
        party: String,
        #[serde(default)]
        issues: Vec<String>,
    },
    /// The risk that a failed step ends the talks is now `risk`.
    BreakdownRisk { risk: f64 },
}

impl std::fmt::Display for IncidentEffect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IncidentEffect::Reopens { party, issues } if issues.is_empty() => write!(f, "{party} reopens clauses"),
            IncidentEffect::Reopens { party, issues } => {
                write!(f, "{party} reopens the clauses on {}", issues.join(", "))
            }
            IncidentEffect::BreakdownRisk { risk } => {
                write!(f, "risk of breakdown after a failed step now {:.0}%", risk * 100.0)
            }
        }
    }
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Entry {
    SessionStarted {
        day: u32,
        label: String,
        minutes: u64,
    },
    SessionEnded {
        day: u32,
        label: String,
    },
    /// A move of the package protocol, as its events.
    Package {
        event: package::Event,
    },
    /// The mediators' single text as it stands (the agreed options and the drafts).
    TextProposed {
        text: Vec<u32>,
    },
    /// What the text just proposed is worth to `party` (its own utility; a
    /// delegation: its mandate). Private to that party.
    TextScored {
        party: usize,
        utility: f64,
    },
    /// The private rationale of `party`'s move logged at `of` (the public
    /// entry shows [`Reason::Withheld`]).
    Rationale {
        party: usize,
        of: u64,
        reason: Reason,
    },
    /// An incident moved `party`'s reservation value by `by` (private to it);
    /// `effect` is the effect's place among the incident's declared effects.
    ReservationMoved {
        party: usize,
        incident: usize,
        effect: usize,
        by: f64,
    },
    /// A party's delegation called its capital (waiting for instructions).
    CapitalCalled {
        party: usize,
        clause: u32,
    },
    /// Instructions from a bloc to its delegation (private to that party).
    Instruction {
        party: usize,
        bloc: String,
        text: String,
    },
    /// A public statement.
    Statement {
        actor: String,
        text: String,
    },
    /// A dated incident on the ground (`index`: among the talks' incidents).
    Incident {
        index: usize,
        place: String,
        casualties: u32,
        attributed_to: Option<String>,
        text: String,
        effects: Vec<IncidentEffect>,
    },
    /// A mediators' assessment (private to the mediators).
    Assessment {
        text: String,
    },
    /// A message typed by a person (or sent by an agent) on a channel.
    Message {
        actor: crate::actors::ActorRef,
        /// The seat's name at the time (for reading the export alone).
        name: String,
        to: Channel,
        text: String,
    },
    /// A document (a dossier, evidence) attached to clause `clause`, shared
    /// on a channel (tabled for all: [`Channel::Public`]).
    Document {
        actor: crate::actors::ActorRef,
        name: String,
        clause: u32,
        to: Channel,
        title: String,
        body: String,
    },
    /// A delegation's blocs at home ratify the adopted package, or reject it
    /// (`rejected_by`: the blocs that do): an adoption outside the win-set
    /// fails ratification (involuntary defection).
    Ratification {
        party: usize,
        ratified: bool,
        rejected_by: Vec<String>,
    },
}

/// One entry of the log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogEntry {
    /// Position in the log, from 0.
    pub seq: u64,
    /// Minutes since the start of the talks.
    pub time: Timestamp,
    pub visibility: Visibility,
    #[serde(flatten)]
    pub entry: Entry,
}

/// An entry the append-only log refuses.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum LogError {
    #[error("an entry at minute {got} after one at minute {last}: the log is append-only, in time order")]
    OutOfOrder { last: Timestamp, got: Timestamp },
}

/// The log of a round of talks: append-only, in time order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Log {
    entries: Vec<LogEntry>,
}

impl Log {
    /// Appends an entry; its `seq` is its position. Refuses an entry earlier
    /// than the last one.
    pub fn push(&mut self, time: Timestamp, visibility: Visibility, entry: Entry) -> Result<u64, LogError> {
        if let Some(last) = self.entries.last()
            && time < last.time
        {
            return Err(LogError::OutOfOrder { last: last.time, got: time });
        }
        let seq = self.entries.len() as u64;
        self.entries.push(LogEntry { seq, time, visibility, entry });
        Ok(seq)
    }

    /// The entries, in order.
    pub fn entries(&self) -> &[LogEntry] {
        &self.entries
    }

    /// A package event: public, except a capital's decision, which only its
    /// party sees (`capital_of` maps a capital actor to its party). A private
    /// reason ([`Reason::is_private`]) of party `party_of(actor)` is withheld
    /// from the public entry and follows it as a [`Entry::Rationale`] on
    /// `private(party)`.
    pub fn package(
        &mut self,
        mut event: package::Event,
        capital_of: &dyn Fn(package::ActorId) -> Option<usize>,
        party_of: &dyn Fn(package::ActorId) -> Option<usize>,
        private: &dyn Fn(usize) -> Visibility,
    ) -> Result<(), LogError> {
        let visibility = match &event {
            package::Event::CapitalDecided { actor, .. } => match capital_of(*actor) {
                Some(party) => Visibility::Party { party },
                None => Visibility::Public,
            },
            _ => Visibility::Public,
        };
        let time = event.time();
        let party = party_of(event.actor());
        let withheld = match (event.reason().filter(|r| r.is_private()), party) {
            (Some(_), Some(party)) if visibility == Visibility::Public => {
                reason_mut(&mut event).and_then(|slot| slot.replace(Reason::Withheld)).map(|r| (party, r))
            }
            _ => None,
        };
        let of = self.push(time, visibility, Entry::Package { event })?;
        if let Some((party, reason)) = withheld {
            self.push(time, private(party), Entry::Rationale { party, of, reason })?;
        }
        Ok(())
    }
}

fn reason_mut(event: &mut package::Event) -> Option<&mut Option<Reason>> {
    use package::Event as E;
    match event {
        E::ItemTabled { reason, .. }
        | E::Bracketed { reason, .. }
        | E::Transition { reason, .. }
        | E::AdRefAgreed { reason, .. }
        | E::CapitalDecided { reason, .. }
        | E::Consent { reason, .. }
        | E::VoteCalled { reason, .. }
        | E::VoteCast { reason, .. }
        | E::VoteFailed { reason, .. }
        | E::Ended { reason, .. } => Some(reason),
        E::Adopted { .. } => None,
    }
}

/// The entries `role` may read, in order.
pub fn export_for(log: &Log, role: Role) -> Vec<LogEntry> {
    log.entries.iter().filter(|e| role.may_see(&e.visibility)).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn visibility() -> impl Strategy<Value = Visibility> {
        prop_oneof![
            Just(Visibility::Public),
            (0usize..3).prop_map(|party| Visibility::Party { party }),
            (0usize..3).prop_map(|party| Visibility::Confided { party }),
            Just(Visibility::Mediators),
        ]
    }

    fn role() -> impl Strategy<Value = Role> {
        prop_oneof![(0usize..3).prop_map(|party| Role::Party { party }), Just(Role::Mediator), Just(Role::Observer)]
    }

    #[test]
    fn the_log_is_append_only_in_time_order() {
        let mut log = Log::default();
        let s = |t: &str| Entry::Statement { actor: "x".into(), text: t.into() };
        assert_eq!(log.push(10, Visibility::Public, s("a")), Ok(0));
        assert_eq!(log.push(10, Visibility::Public, s("b")), Ok(1));
        assert_eq!(log.push(9, Visibility::Public, s("c")), Err(LogError::OutOfOrder { last: 10, got: 9 }));
        assert_eq!(log.push(11, Visibility::Mediators, s("d")), Ok(2));
        let seqs: Vec<u64> = log.entries().iter().map(|e| e.seq).collect();
        assert_eq!(seqs, vec![0, 1, 2]);
    }

    proptest! {
        /// A role's export holds every public entry, its own private ones, and
        /// never another role's private entry.
        #[test]
        fn exports_never_leak(vis in prop::collection::vec(visibility(), 0..60), r in role()) {
            let mut log = Log::default();
            for (k, v) in vis.iter().enumerate() {
                let seq = log.push(k as u64, v.clone(), Entry::Statement { actor: "x".into(), text: format!("{k}") });
                prop_assert_eq!(seq, Ok(k as u64));
            }
            let export = export_for(&log, r);
            for e in &export {
                match (&r, &e.visibility) {
                    (_, Visibility::Public) => {}
                    (Role::Party { party }, Visibility::Party { party: p } | Visibility::Confided { party: p }) => {
                        prop_assert_eq!(party, p)
                    }
                    (Role::Mediator, Visibility::Mediators | Visibility::Confided { .. }) => {}
                    (r, v) => prop_assert!(false, "{:?} saw {:?}", r, v),
                }
            }
            let public = vis.iter().filter(|v| **v == Visibility::Public).count();
            prop_assert!(export.len() >= public);
            let expected = vis.iter().filter(|v| r.may_see(v)).count();
            prop_assert_eq!(export.len(), expected);
        }
    }
}
