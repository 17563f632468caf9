//! Participants: the interface through which an actor of the talks acts in
//! place of its simulated behaviour (a person behind a browser, a test's
//! script, a program).
//!
//! NOT YET WIRED: the simulator does not consult participants yet (see the
//! talks docs). The intended contract: the simulator asks a party's participant at each point where the party
//! decides ([`Prompt`]): when the mediators put an option to the parties, when
//! a bloc re-instructs the delegation, after an incident, at the final vote.
//! The participant sees what its role may see ([`View`]: the log filtered by
//! its role, the package's public state) and answers with package actions and
//! typed reasons. Every answer goes through the package machine: a refused
//! one stops the round with [`crate::sim::TalksError::Refused`] naming the actor,
//! the action and the package's reason (it is never dropped).
//!
//! [`ScriptedParticipant`] answers from a queue of dated moves (a test standing
//! in for a person).

use std::collections::VecDeque;

use entente_protocols::package::{Action, ClauseId, OptionId, Package, Reason, Timestamp};
use serde::{Deserialize, Serialize};

use crate::log::{LogEntry, Role};

/// The point at which a party decides.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "prompt")]
pub enum Prompt {
    /// The mediators put `option` of `clause` to the parties: agree ad referendum or not.
    Proposal { clause: ClauseId, option: OptionId },
    /// Bloc `bloc` re-instructed the delegation: table an item, reopen clauses.
    Instructed { bloc: String },
    /// Incident `index` happened: reopen clauses.
    Incident { index: usize },
    /// The final vote is called.
    Vote,
}

/// What a participant may see when it decides.
pub struct View<'a> {
    pub now: Timestamp,
    /// Its role (what it may read).
    pub role: Role,
    /// The log entries its role may see, in order.
    pub entries: Vec<&'a LogEntry>,
    /// The package's state (public: clauses, states, brackets, agreements).
    pub package: &'a Package,
}

/// A move of a participant: a package action with its reason.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub action: Action,
    pub reason: Option<Reason>,
}

/// An actor of the talks acting in place of its simulated behaviour.
pub trait Participant {
    /// Its moves at `prompt` (none: it lets the moment pass).
    fn respond(&mut self, prompt: &Prompt, view: &View<'_>) -> Vec<Answer>;
}

/// A participant that replays a script: moves at given times. At a prompt at
/// minute `t` it answers with the script's next moves dated `t` (or earlier)
/// whose action fits the prompt (an agreement for a proposal; tabling or
/// reopening on instructions; reopening after an incident; a vote).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ScriptedParticipant {
    script: VecDeque<(Timestamp, Answer)>,
}

impl ScriptedParticipant {
    pub fn new(script: impl IntoIterator<Item = (Timestamp, Answer)>) -> Self {
        ScriptedParticipant { script: script.into_iter().collect() }
    }

    /// The moves not yet played.
    pub fn remaining(&self) -> usize {
        self.script.len()
    }
}

fn fits(prompt: &Prompt, action: &Action) -> bool {
    match prompt {
        Prompt::Proposal { clause, .. } => matches!(action, Action::AgreeAdRef { clause: c, .. } if c == clause),
        Prompt::Instructed { .. } => matches!(action, Action::Table { .. } | Action::Reopen { .. }),
        Prompt::Incident { .. } => matches!(action, Action::Reopen { .. }),
        Prompt::Vote => matches!(action, Action::Vote { .. }),
    }
}

impl Participant for ScriptedParticipant {
    fn respond(&mut self, prompt: &Prompt, view: &View<'_>) -> Vec<Answer> {
        let mut out = Vec::new();
        while let Some((at, answer)) = self.script.front() {
            if *at > view.now || !fits(prompt, &answer.action) {
                break;
            }
            out.push(answer.clone());
            self.script.pop_front();
        }
        out
    }
}
