//! A role's export of a round: the entries it may read, with the names that
//! make them legible (issues with their values, clauses, actors), so that a
//! reader of `text: [2, 0, 1]` or `clause: 3` needs nothing else.

use entente_core::Issue;
use entente_protocols::package::ActorId;
use serde::{Deserialize, Serialize};

use crate::log::{LogEntry, Role, export_for};
use crate::model::Talks;
use crate::sim::{ClauseSummary, TalksRun};

/// The version of the export document.
pub const EXPORT_SCHEMA: &str = "entente.export/1";

/// An actor's id in the entries and its name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActorName {
    pub id: ActorId,
    pub name: String,
}

/// What `role` may read of a round (`entries`, filtered by
/// [`export_for`]), and the public names its indices refer to: `issues` in
/// the order of a text's positions (a discrete issue lists its values in the
/// order of their indices), `clauses` by id, `actors` by id.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Export {
    pub schema: String,
    pub talks: String,
    pub role: Role,
    pub issues: Vec<Issue>,
    pub parties: Vec<String>,
    pub clauses: Vec<ClauseSummary>,
    pub actors: Vec<ActorName>,
    pub entries: Vec<LogEntry>,
}

impl Export {
    /// The export of `run` for `role`.
    pub fn new(talks: &Talks, run: &TalksRun, role: Role) -> Export {
        Export {
            schema: EXPORT_SCHEMA.to_string(),
            talks: talks.scenario.name.clone(),
            role,
            issues: talks.scenario.space.issues().to_vec(),
            parties: talks.scenario.parties.iter().map(|p| p.name.clone()).collect(),
            clauses: run.clauses.clone(),
            actors: run.actor_names.iter().map(|(id, name)| ActorName { id: *id, name: name.clone() }).collect(),
            entries: export_for(&run.log, role),
        }
    }
}
