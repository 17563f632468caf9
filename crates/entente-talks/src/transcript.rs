//! A readable transcript of a round of talks, day by day.

use std::fmt::Write as _;

use entente_protocols::package::{ActorId, ClauseState, Event, Reason};

use crate::log::{Entry, LogEntry};
use crate::model::{DAY, Talks, clock};
use crate::sim::{Ending, TalksRun};

fn name(run: &TalksRun, a: ActorId) -> String {
    run.actor_name(a)
}

fn clause_title(run: &TalksRun, clause: u32) -> String {
    run.clauses.iter().find(|c| c.clause == clause).map_or(format!("clause {clause}"), |c| c.title.clone())
}

fn option(talks: &Talks, run: &TalksRun, clause: u32, o: u32) -> String {
    let issue = run.clauses.iter().find(|c| c.clause == clause).map(|c| c.issue);
    match issue.and_then(|i| talks.scenario.space.issues().get(i)).and_then(|i| i.value(o)) {
        Some(v) => v.to_string(),
        None => o.to_string(),
    }
}

/// `issue=value` for every issue on the agenda or tabled.
pub fn text_line(talks: &Talks, run: &TalksRun, text: &[u32]) -> String {
    let issues: Vec<usize> = run.clauses.iter().map(|c| c.issue).collect();
    talks
        .scenario
        .space
        .issues()
        .iter()
        .enumerate()
        .filter(|(i, _)| issues.contains(i))
        .map(|(i, issue)| format!("{}={}", issue.name, issue.value(text[i]).map_or("?".to_string(), |v| v.to_string())))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The transcript. `verbose` lists every package move; otherwise only what a
/// reader needs: clause states, the texts agreed, instructions, injections,
/// reopenings, incidents.
pub fn transcript(talks: &Talks, run: &TalksRun, verbose: bool) -> String {
    let mut out = String::new();
    let parties: Vec<&str> = talks.scenario.parties.iter().map(|p| p.name.as_str()).collect();
    let _ = writeln!(out, "{}", talks.scenario.name);
    let _ = writeln!(
        out,
        "Parties: {}; mediators: {}; agenda: {}",
        parties.join(", "),
        talks.mediators.join(" and "),
        talks.agenda.iter().map(|&i| talks.scenario.space.issues()[i].name.as_str()).collect::<Vec<_>>().join(", ")
    );
    if let Some(b) = &talks.baseline {
        let _ = writeln!(out, "Continues: {}", b.name);
    }
    let mut day = 0;
    let mut last_text: Option<String> = None;
    let entries = run.log.entries();
    for (i, e) in entries.iter().enumerate() {
        if matches!(e.entry, Entry::TextScored { .. } | Entry::Rationale { .. } | Entry::ReservationMoved { .. }) {
            // Private entries are shown with the public entry they belong to.
            continue;
        }
        let d = e.time / DAY + 1;
        if d != day {
            day = d;
            let _ = writeln!(out, "\n=== Day {day} ===");
        }
        if let Some(line) = render(talks, run, e, &entries[i + 1..], verbose, &mut last_text) {
            let _ = writeln!(out, "  {}  {line}", &clock(e.time)[clock(e.time).find(',').map_or(0, |i| i + 2)..]);
        }
    }
    let _ = writeln!(out);
    match &run.ending {
        Ending::Adopted { at, text } => {
            let _ =
                writeln!(out, "Outcome: the package was ADOPTED on {}: {}", clock(*at), text_line(talks, run, text));
        }
        Ending::NotAdopted { at, why } => {
            let _ = writeln!(out, "Outcome: NO AGREEMENT; the mediators ended the talks on {}.", clock(*at));
            for w in why {
                let _ = writeln!(out, "  blocking: {w}");
            }
        }
        Ending::BrokeDown { at, by } => {
            let _ = writeln!(out, "Outcome: the talks BROKE DOWN on {}: {by} walked out.", clock(*at));
        }
    }
    if let Some(b) = &run.baseline {
        let _ = writeln!(out, "\nAgainst the baseline ({}):", b.name);
        let list = |v: &[String]| if v.is_empty() { "nothing".to_string() } else { v.join(", ") };
        let _ = writeln!(out, "  added: {}", list(&b.added));
        let _ = writeln!(out, "  left open: {}", list(&b.left_open));
        let breached: Vec<String> = b.breached.iter().map(|(c, n)| format!("{c} ({n} incident(s))")).collect();
        let _ = writeln!(out, "  breached by incidents: {}", list(&breached));
        let _ = writeln!(out, "  lapsed (breached and not renewed): {}", list(&b.lapsed));
    }
    if let Some(a) = &run.assessment {
        let _ = writeln!(out, "\nThe mediators' assessment:\n  {}", a.text);
    }
    out
}

/// The private entries that follow a public one (at the same time).
fn following(rest: &[LogEntry]) -> impl Iterator<Item = &LogEntry> {
    rest.iter().take_while(|e| {
        matches!(e.entry, Entry::TextScored { .. } | Entry::Rationale { .. } | Entry::ReservationMoved { .. })
    })
}

fn render(
    talks: &Talks,
    run: &TalksRun,
    e: &LogEntry,
    rest: &[LogEntry],
    verbose: bool,
    last_text: &mut Option<String>,
) -> Option<String> {
    let party = |k: usize| talks.scenario.parties.get(k).map_or("?".to_string(), |p| p.name.clone());
    match &e.entry {
        Entry::SessionStarted { label, minutes, .. } => {
            Some(format!("-- session opens ({label}, {} h {:02} min)", minutes / 60, minutes % 60))
        }
        Entry::SessionEnded { label, .. } => {
            let states = clause_states_at(run, e.time);
            Some(format!("-- session closes ({label}); clauses: {states}"))
        }
        Entry::TextProposed { text } => {
            let utilities: Vec<f64> = following(rest)
                .filter_map(|e| match e.entry {
                    Entry::TextScored { utility, .. } => Some(utility),
                    _ => None,
                })
                .collect();
            let line = text_line(talks, run, text);
            if last_text.as_deref() == Some(line.as_str()) {
                return None;
            }
            *last_text = Some(line.clone());
            let u: Vec<String> = utilities.iter().map(|x| format!("{x:.2}")).collect();
            Some(format!("text: {line}  [utilities {}]", u.join(", ")))
        }
        Entry::CapitalCalled { party: k, clause } => {
            verbose.then(|| format!("{} calls its capital about {}", party(*k), clause_title(run, *clause)))
        }
        Entry::Instruction { party: k, bloc, text } => {
            Some(format!("[private to {}] instructions from {bloc}: \"{text}\"", party(*k)))
        }
        Entry::Statement { actor, text } => Some(format!("{actor} states publicly: \"{text}\"")),
        Entry::Incident { index, place, casualties, attributed_to, text, effects } => {
            let by = attributed_to.as_deref().map_or(String::new(), |a| format!(", attributed to {a}"));
            // The declared effects in order: the public ones, and a party's
            // change of reservation value from its private entry.
            let mut public = effects.iter();
            let declared = talks.incidents.get(*index).map_or(&[][..], |i| &i.effects[..]);
            let mut effects: Vec<String> = Vec::new();
            for (n, d) in declared.iter().enumerate() {
                match d {
                    crate::model::Effect::LowerReservation { .. } => {
                        effects.extend(following(rest).filter_map(|e| match e.entry {
                            Entry::ReservationMoved { party: k, effect, by, .. } if effect == n => {
                                Some(format!("{}'s reservation value moves by {by:+}", party(k)))
                            }
                            _ => None,
                        }))
                    }
                    _ => effects.extend(public.next().map(ToString::to_string)),
                }
            }
            effects.extend(public.map(ToString::to_string));
            let eff = if effects.is_empty() { String::new() } else { format!(" ({})", effects.join("; ")) };
            let toll = match casualties {
                0 => String::new(),
                1 => " 1 casualty".to_string(),
                n => format!(" {n} casualties"),
            };
            Some(format!("INCIDENT at {place}: {text}{toll}{by}{eff}"))
        }
        Entry::Assessment { text } => Some(format!("[mediators only] {text}")),
        Entry::Message { name, to, text, .. } => Some(format!("[{}] {name}: \"{text}\"", channel_label(talks, to))),
        Entry::Document { name, clause, to, title, .. } => Some(format!(
            "[{}] {name} attaches \"{title}\" to {}",
            channel_label(talks, to),
            clause_title(run, *clause)
        )),
        Entry::Ratification { party: k, ratified: true, .. } => {
            Some(format!("{} ratifies the package at home", party(*k)))
        }
        Entry::Ratification { party: k, ratified: false, rejected_by } => Some(format!(
            "RATIFICATION FAILS in {}: {} reject the package (its head signed outside the win-set: involuntary defection)",
            party(*k),
            rejected_by.join(", ")
        )),
        Entry::TextScored { .. } | Entry::Rationale { .. } | Entry::ReservationMoved { .. } => None,
        Entry::Package { event } => {
            let private = following(rest).find_map(|r| match &r.entry {
                Entry::Rationale { of, reason, .. } if *of == e.seq => Some(reason),
                _ => None,
            });
            render_event(talks, run, event, private, verbose)
        }
    }
}

/// Every clause's state after the events up to `time`.
fn clause_states_at(run: &TalksRun, time: u64) -> String {
    let mut states: Vec<(u32, ClauseState)> = Vec::new();
    for e in run.log.entries().iter().take_while(|e| e.time <= time) {
        if let Entry::Package { event } = &e.entry {
            match event {
                Event::ItemTabled { clause, .. } => states.push((clause.0, ClauseState::Open)),
                Event::Transition { clause, to, .. } => match states.iter_mut().find(|(c, _)| *c == clause.0) {
                    Some(s) => s.1 = *to,
                    None => states.push((clause.0, *to)),
                },
                _ => {}
            }
        }
    }
    let mut out: Vec<String> = run
        .clauses
        .iter()
        .filter(|c| c.tabled.as_ref().is_none_or(|(_, at)| *at <= time))
        .map(|c| {
            let s = states.iter().find(|(id, _)| *id == c.clause).map_or(ClauseState::Open, |s| s.1);
            format!("{} {s}", c.title)
        })
        .collect();
    out.dedup();
    out.join(", ")
}

fn render_event(talks: &Talks, run: &TalksRun, ev: &Event, private: Option<&Reason>, verbose: bool) -> Option<String> {
    let reason = |r: &Option<Reason>| match (r, private) {
        (Some(Reason::Withheld), Some(p)) => format!(" ({p})"),
        (Some(r), _) => format!(" ({r})"),
        (None, _) => String::new(),
    };
    match ev {
        Event::ItemTabled { clause, actor, reason: r, .. } => {
            Some(format!("NEW ITEM tabled by {}: {}{}", name(run, *actor), clause_title(run, clause.0), reason(r)))
        }
        Event::Transition { clause, from, to, actor, reason: r, .. } => {
            let important = matches!(to, ClauseState::Provisional | ClauseState::Reopened)
                || (*from == ClauseState::AdRef && *to == ClauseState::Bracketed);
            if !important && !verbose {
                return None;
            }
            let c = run.clauses.iter().find(|c| c.clause == clause.0);
            let agreed = match (to, c) {
                (ClauseState::Provisional, Some(_)) => {
                    let text = run.texts.iter().rev().find(|t| t.time <= ev.time()).map(|t| t.text.clone());
                    let issue = c.map(|c| c.issue).unwrap_or(usize::MAX);
                    text.and_then(|t| t.get(issue).copied())
                        .map(|o| format!(" on {}", option(talks, run, clause.0, o)))
                        .unwrap_or_default()
                }
                _ => String::new(),
            };
            Some(format!(
                "{}: {from} -> {to}{agreed}, by {}{}",
                clause_title(run, clause.0),
                name(run, *actor),
                reason(r)
            ))
        }
        Event::CapitalDecided { clause, confirmed, actor, reason: r, .. } => verbose.then(|| {
            format!(
                "{} {} {}{}",
                name(run, *actor),
                if *confirmed { "confirms" } else { "declines" },
                clause_title(run, clause.0),
                reason(r)
            )
        }),
        Event::AdRefAgreed { clause, option: o, actor, .. } => verbose.then(|| {
            format!(
                "{} agrees ad referendum: {} = {}",
                name(run, *actor),
                clause_title(run, clause.0),
                option(talks, run, clause.0, *o)
            )
        }),
        Event::Bracketed { clause, options, actor, .. } => verbose.then(|| {
            let opts: Vec<String> = options.iter().map(|o| option(talks, run, clause.0, *o)).collect();
            format!("{} brackets {}: [{}]", name(run, *actor), clause_title(run, clause.0), opts.join(" / "))
        }),
        Event::Consent { clause, given, actor, .. } => Some(format!(
            "{} {} to stand as guarantor (clause {})",
            name(run, *actor),
            if *given { "consents" } else { "declines" },
            clause_title(run, clause.0)
        )),
        Event::VoteCalled { actor, .. } => Some(format!("{} calls the final vote", name(run, *actor))),
        Event::VoteCast { yes, actor, reason: r, .. } => {
            Some(format!("{} votes {}{}", name(run, *actor), if *yes { "YES" } else { "NO" }, reason(r)))
        }
        Event::VoteFailed { reason: r, .. } => Some(format!("the vote fails{}", reason(r))),
        Event::Adopted { .. } => Some("THE PACKAGE IS ADOPTED".to_string()),
        Event::Ended { actor, reason: r, .. } => Some(format!("{} ends the talks{}", name(run, *actor), reason(r))),
    }
}

/// A channel in a few words ("public", "A's caucus", …).
pub fn channel_label(talks: &Talks, to: &crate::log::Channel) -> String {
    use crate::log::Channel as C;
    let party = |k: usize| talks.scenario.parties.get(k).map_or(format!("party {k}"), |p| p.name.clone());
    match *to {
        C::Public => "public".into(),
        C::Caucus { party: k } => format!("{}'s caucus", party(k)),
        C::Capital { party: k } => format!("{}'s capital to its delegation", party(k)),
        C::Confidence { party: k } => format!("{} and the mediators, in confidence", party(k)),
        C::Mediators => "mediators only".into(),
    }
}
