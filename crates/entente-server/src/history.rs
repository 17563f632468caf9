//! A clause's history as a viewer may know it: every version of the clause
//! (tabled, bracketed, agreed to, moved from one state to another, decided
//! by a capital, consented to by a guarantor), each with when, who and why,
//! read from the log entries the viewer's role may see and nothing else; and
//! the difference between two versions (state, options in brackets, agreed
//! option).

use std::collections::BTreeMap;

use entente_protocols::package::{Clause, ClauseState, Event, Origin, Reason};
use entente_talks::Talks;
use entente_talks::actors::Actors;
use entente_talks::log::{Entry, LogEntry};
use entente_talks::sim::when;

/// One version of a clause.
#[derive(Clone, Debug, PartialEq)]
pub struct Version {
    /// From 0, in order.
    pub n: usize,
    /// The log entry that made it (none for an agenda clause at the opening).
    pub seq: Option<u64>,
    pub when: String,
    pub who: String,
    pub what: String,
    /// The typed reason, in words ("" when none was given).
    pub why: String,
    pub state: ClauseState,
    pub brackets: Vec<u32>,
    pub agreed: Option<u32>,
}

/// A row of the difference between two versions.
#[derive(Clone, Debug, PartialEq)]
pub struct DiffRow {
    pub what: &'static str,
    pub from: String,
    pub to: String,
    pub changed: bool,
}

/// The option `o` of `clause` by its value's name.
pub fn option_name(talks: &Talks, clause: &Clause, o: u32) -> String {
    clause
        .issue
        .and_then(|i| talks.scenario.space.issues().get(i as usize))
        .and_then(|i| i.value(o).map(|v| v.to_string()))
        .unwrap_or_else(|| format!("option {o}"))
}

/// The versions of `clause` that the entries `visible` (a role's view of
/// the log, in order) show.
pub fn versions(talks: &Talks, visible: &[LogEntry], clause: &Clause) -> Vec<Version> {
    let actors = Actors::of(talks);
    let name = |a| actors.name(a).unwrap_or("?").to_string();
    // A reason withheld from the public entry, that the viewer reads on its own channel.
    let private: BTreeMap<u64, &Reason> = visible
        .iter()
        .filter_map(|e| match &e.entry {
            Entry::Rationale { of, reason, .. } => Some((*of, reason)),
            _ => None,
        })
        .collect();
    let mut out: Vec<Version> = Vec::new();
    let mut state = ClauseState::Open;
    let mut brackets: Vec<u32> = Vec::new();
    let mut agreed: Option<u32> = None;
    let mut last_agreement: Option<u32> = None;
    if let Origin::Agenda { .. } = clause.origin {
        out.push(Version {
            n: 0,
            seq: None,
            when: "the opening".into(),
            who: "the agenda".into(),
            what: "on the agenda".into(),
            why: String::new(),
            state,
            brackets: Vec::new(),
            agreed: None,
        });
    }
    for e in visible {
        let Entry::Package { event } = &e.entry else { continue };
        let (actor, reason, what) = match event {
            Event::ItemTabled { clause: c, actor, reason, .. } if *c == clause.id => {
                (*actor, reason, "tabled".to_string())
            }
            Event::Bracketed { clause: c, options, actor, reason, .. } if *c == clause.id => {
                brackets = options.clone();
                let names: Vec<String> = options.iter().map(|&o| option_name(talks, clause, o)).collect();
                (*actor, reason, format!("brackets {}", names.join(" / ")))
            }
            Event::Transition { clause: c, from, to, actor, reason, .. } if *c == clause.id => {
                state = *to;
                match to {
                    ClauseState::AdRef | ClauseState::Provisional if *from == ClauseState::Bracketed => {
                        agreed = last_agreement;
                    }
                    ClauseState::Open => {
                        brackets.clear();
                        agreed = None;
                    }
                    ClauseState::Bracketed => agreed = None,
                    _ => {}
                }
                (*actor, reason, format!("moves it from {from} to {to}"))
            }
            Event::AdRefAgreed { clause: c, option, actor, reason, .. } if *c == clause.id => {
                last_agreement = Some(*option);
                (*actor, reason, format!("agrees ad referendum to {}", option_name(talks, clause, *option)))
            }
            Event::CapitalDecided { clause: c, confirmed, actor, reason, .. } if *c == clause.id => {
                (*actor, reason, if *confirmed { "confirms it" } else { "declines it" }.to_string())
            }
            Event::Consent { clause: c, given, actor, reason, .. } if *c == clause.id => (
                *actor,
                reason,
                if *given { "consents to guarantee it" } else { "refuses to guarantee it" }.to_string(),
            ),
            _ => continue,
        };
        let why = match (reason, private.get(&e.seq)) {
            (Some(Reason::Withheld), Some(r)) => r.to_string(),
            (Some(r), _) => r.to_string(),
            (None, _) => String::new(),
        };
        out.push(Version {
            n: out.len(),
            seq: Some(e.seq),
            when: when(e.time),
            who: name(actor),
            what,
            why,
            state,
            brackets: brackets.clone(),
            agreed,
        });
    }
    out
}

/// The difference between versions `a` and `b`.
pub fn diff(talks: &Talks, clause: &Clause, a: &Version, b: &Version) -> Vec<DiffRow> {
    let names = |os: &[u32]| -> String {
        if os.is_empty() {
            "none".into()
        } else {
            os.iter().map(|&o| option_name(talks, clause, o)).collect::<Vec<_>>().join(" / ")
        }
    };
    let agreed = |o: Option<u32>| o.map_or_else(|| "none".to_string(), |o| option_name(talks, clause, o));
    let out_of: Vec<u32> = a.brackets.iter().copied().filter(|o| !b.brackets.contains(o)).collect();
    let into: Vec<u32> = b.brackets.iter().copied().filter(|o| !a.brackets.contains(o)).collect();
    vec![
        DiffRow { what: "State", from: a.state.to_string(), to: b.state.to_string(), changed: a.state != b.state },
        DiffRow {
            what: "Options in brackets",
            from: names(&a.brackets),
            to: names(&b.brackets),
            changed: a.brackets != b.brackets,
        },
        DiffRow { what: "Left the brackets", from: String::new(), to: names(&out_of), changed: !out_of.is_empty() },
        DiffRow { what: "Entered the brackets", from: String::new(), to: names(&into), changed: !into.is_empty() },
        DiffRow { what: "Agreed option", from: agreed(a.agreed), to: agreed(b.agreed), changed: a.agreed != b.agreed },
    ]
}
