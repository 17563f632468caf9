//! The talks' event log: every move of the package protocol, and everything
//! else that happened (sessions, instructions, incidents, statements,
//! assessments), each with who may see it.
//!
//! Channels: public statements and the package's moves are seen by everybody
//! at the talks; a bloc's instructions to its delegation are seen by that
//! delegation (and its blocs) only; the mediators' assessments by the
//! mediators only. [`export_for`] gives a role the entries it may see, and
//! nothing else.

use entente_protocols::package::{self, Timestamp};
use serde::Serialize;

/// Who may read an entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "channel")]
pub enum Visibility {
    /// Everybody at the talks (parties, mediators, observers).
    Public,
    /// One party's delegation and the blocs it answers to.
    Party { party: usize },
    /// The mediators only.
    Mediators,
}

/// A reader of the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
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

impl Role {
    /// Whether this role may read an entry of `visibility`.
    pub fn may_see(&self, visibility: &Visibility) -> bool {
        match (self, visibility) {
            (_, Visibility::Public) => true,
            (Role::Party { party }, Visibility::Party { party: p }) => party == p,
            (Role::Mediator, Visibility::Mediators) => true,
            _ => false,
        }
    }
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Serialize)]
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
        utilities: Vec<f64>,
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
    /// A dated incident on the ground.
    Incident {
        place: String,
        casualties: u32,
        attributed_to: Option<String>,
        text: String,
        effects: Vec<String>,
    },
    /// A mediators' assessment (private to the mediators).
    Assessment {
        text: String,
    },
}

/// One entry of the log.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LogEntry {
    /// Position in the log, from 0.
    pub seq: u64,
    /// Minutes since the start of the talks.
    pub time: Timestamp,
    pub visibility: Visibility,
    #[serde(flatten)]
    pub entry: Entry,
}

/// The log of a round of talks.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Log {
    pub entries: Vec<LogEntry>,
}

impl Log {
    pub fn push(&mut self, time: Timestamp, visibility: Visibility, entry: Entry) {
        let seq = self.entries.len() as u64;
        self.entries.push(LogEntry { seq, time, visibility, entry });
    }

    /// Inserts an entry at its place in time (after the entries of the same
    /// time), renumbering the later ones.
    pub fn insert(&mut self, time: Timestamp, visibility: Visibility, entry: Entry) {
        let at = self.entries.partition_point(|e| e.time <= time);
        self.entries.insert(at, LogEntry { seq: at as u64, time, visibility, entry });
        for (k, e) in self.entries.iter_mut().enumerate().skip(at) {
            e.seq = k as u64;
        }
    }

    /// A package event: public, except a capital's decision, which only its
    /// party sees (`capital_of` maps a capital actor to its party).
    pub fn package(&mut self, event: package::Event, capital_of: &dyn Fn(package::ActorId) -> Option<usize>) {
        let visibility = match &event {
            package::Event::CapitalDecided { actor, .. } => match capital_of(*actor) {
                Some(party) => Visibility::Party { party },
                None => Visibility::Public,
            },
            _ => Visibility::Public,
        };
        self.push(event.time(), visibility, Entry::Package { event });
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
            Just(Visibility::Mediators),
        ]
    }

    fn role() -> impl Strategy<Value = Role> {
        prop_oneof![(0usize..3).prop_map(|party| Role::Party { party }), Just(Role::Mediator), Just(Role::Observer)]
    }

    proptest! {
        /// A role's export holds every public entry, its own private ones, and
        /// never another role's private entry.
        #[test]
        fn exports_never_leak(vis in prop::collection::vec(visibility(), 0..60), r in role()) {
            let mut log = Log::default();
            for (k, v) in vis.iter().enumerate() {
                log.push(k as u64, v.clone(), Entry::Statement { actor: "x".into(), text: format!("{k}") });
            }
            let export = export_for(&log, r);
            for e in &export {
                match (&r, &e.visibility) {
                    (_, Visibility::Public) => {}
                    (Role::Party { party }, Visibility::Party { party: p }) => prop_assert_eq!(party, p),
                    (Role::Mediator, Visibility::Mediators) => {}
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
