//! The pages: server-rendered HTML (askama), each built from what the
//! viewer's role may see and nothing else — the log entries through
//! [`crate::rooms::visible`], the scores through the viewer's own channel.

use askama::Template;
use entente_protocols::package::{Action, ClauseSpec, ClauseState, Event, Status};
use entente_talks::actors::{ActorRef, Actors};
use entente_talks::log::{Channel, Entry, LogEntry, Role};
use entente_talks::sim::when;
use entente_talks::transcript::channel_label;
use entente_talks::{Answer, Prompt, Talks};

use crate::auth::Viewer;
use crate::rooms::{Room, seat_name};

/// One entry of the record as a line of text.
pub fn describe(talks: &Talks, actors: &Actors, e: &LogEntry) -> String {
    let name = |a| actors.name(a).unwrap_or("?").to_string();
    let party = |k: usize| talks.scenario.parties.get(k).map_or_else(|| format!("party {k}"), |p| p.name.clone());
    let clause = |c: entente_protocols::package::ClauseId| format!("clause {}", c.0);
    let why = |r: &Option<entente_protocols::package::Reason>| r.as_ref().map_or(String::new(), |r| format!(" ({r})"));
    let text = match &e.entry {
        Entry::SessionStarted { label, .. } => format!("Session {label} opens"),
        Entry::SessionEnded { label, .. } => format!("Session {label} closes"),
        Entry::TextProposed { text } => format!("The mediators' text: {}", text_line(talks, text)),
        Entry::TextScored { party: k, utility } => format!("{} scores the text {utility:.3}", party(*k)),
        Entry::Rationale { party: k, reason, of } => format!("{}'s reason for entry {of}: {reason}", party(*k)),
        Entry::ReservationMoved { party: k, by, .. } => format!("{}'s reservation value moves by {by:+.3}", party(*k)),
        Entry::CapitalCalled { party: k, clause: c } => format!("{} calls its capital on clause {c}", party(*k)),
        Entry::Instruction { party: k, bloc, text } => format!("Instruction from {bloc} to {}: {text}", party(*k)),
        Entry::Statement { actor, text } => format!("{actor}: {text}"),
        Entry::Incident { place, text, .. } => format!("Incident at {place}: {text}"),
        Entry::Assessment { text } => format!("Mediators' assessment: {text}"),
        Entry::Message { name, to, text, .. } => format!("{name} ({}): {text}", channel_label(talks, to)),
        Entry::Document { name, clause: c, to, title, .. } => {
            format!("{name} attaches the document “{title}” to clause {c} ({})", channel_label(talks, to))
        }
        Entry::Ratification { party: k, ratified, rejected_by } => {
            if *ratified {
                format!("{}'s blocs ratify the package", party(*k))
            } else {
                format!("{}'s blocs reject the package ({})", party(*k), rejected_by.join(", "))
            }
        }
        Entry::Package { event } => match event {
            Event::ItemTabled { clause: c, item, actor, reason, .. } => {
                format!("{} tables {}: {}{}", name(*actor), clause(*c), item.title, why(reason))
            }
            Event::Bracketed { clause: c, options, actor, reason, .. } => {
                format!("{} brackets options {:?} of {}{}", name(*actor), options, clause(*c), why(reason))
            }
            Event::Transition { clause: c, from, to, actor, reason, .. } => {
                format!("{} {from} → {to} ({}){}", clause(*c), name(*actor), why(reason))
            }
            Event::AdRefAgreed { clause: c, option, actor, reason, .. } => {
                format!("{} agrees ad referendum to option {option} of {}{}", name(*actor), clause(*c), why(reason))
            }
            Event::CapitalDecided { clause: c, confirmed, actor, reason, .. } => {
                let d = if *confirmed { "confirms" } else { "declines" };
                format!("{} {d} {}{}", name(*actor), clause(*c), why(reason))
            }
            Event::Consent { clause: c, given, actor, reason, .. } => {
                let d = if *given { "consents to guarantee" } else { "refuses to guarantee" };
                format!("{} {d} {}{}", name(*actor), clause(*c), why(reason))
            }
            Event::VoteCalled { actor, reason, .. } => format!("{} calls the final vote{}", name(*actor), why(reason)),
            Event::VoteCast { yes, actor, reason, .. } => {
                format!("{} votes {}{}", name(*actor), if *yes { "yes" } else { "no" }, why(reason))
            }
            Event::VoteFailed { actor, reason, .. } => format!("The vote fails ({}){}", name(*actor), why(reason)),
            Event::Adopted { .. } => "The package is adopted".to_string(),
            Event::Ended { actor, reason, .. } => format!("{} ends the talks{}", name(*actor), why(reason)),
        },
    };
    format!("{}: {text}", when(e.time))
}

/// A text as `issue=value, …`.
pub fn text_line(talks: &Talks, text: &[u32]) -> String {
    let issues = talks.scenario.space.issues();
    text.iter()
        .zip(issues)
        .map(|(&v, i)| format!("{}={}", i.name, i.value(v).map_or_else(|| v.to_string(), |x| x.to_string())))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A line of the record on a page.
pub struct Line {
    pub seq: u64,
    pub channel: &'static str,
    pub text: String,
}

pub fn line(talks: &Talks, actors: &Actors, e: &LogEntry) -> Line {
    use entente_talks::log::Visibility as V;
    let channel = match e.visibility {
        V::Public => "public",
        V::Party { .. } => "this delegation only",
        V::Confided { .. } => "this delegation and the mediators",
        V::Mediators => "mediators only",
    };
    Line { seq: e.seq, channel, text: describe(talks, actors, e) }
}

/// The record's line as the event stream sends it (an HTML fragment).
#[derive(Template)]
#[template(path = "line.html")]
pub struct LineFragment<'a> {
    pub line: &'a Line,
}

/// A clause of the single text.
pub struct ClauseRow {
    pub id: u32,
    pub title: String,
    pub state: String,
    pub brackets: String,
    pub agreed: String,
    pub text: String,
}

/// A move the viewer may make now: a button posting it.
pub struct MoveButton {
    pub label: String,
    pub answer: String,
}

#[derive(Template)]
#[template(path = "room.html")]
pub struct RoomPage {
    pub room_id: String,
    pub room_name: String,
    pub who: String,
    pub role: String,
    pub chair: bool,
    pub person: bool,
    pub auto: bool,
    pub now: String,
    pub status: String,
    pub clauses: Vec<ClauseRow>,
    pub awaiting: Vec<String>,
    pub moves: Vec<MoveButton>,
    pub scores: Vec<String>,
    /// The private analysis: a delegation's blocs on the text; the mediators'
    /// (from the preferences confided to them) with a suggested package.
    pub analysis_title: String,
    pub analysis: Vec<String>,
    pub lines: Vec<Line>,
    pub last_seq: Option<u64>,
    pub csrf: String,
    pub seats: Vec<SeatRow>,
    pub invitations: Vec<(String, String, String)>,
    pub message: Option<String>,
    /// The channels the viewer may post on (a person's seat).
    pub channels: Vec<(String, String)>,
    /// The documents the viewer may read.
    pub documents: Vec<DocumentView>,
    pub max_message: usize,
    pub max_title: usize,
    pub max_document: usize,
}

/// A clause's page: its versions as the viewer may know them, the
/// difference between two, the documents attached to it.
#[derive(Template)]
#[template(path = "clause.html")]
pub struct ClausePage {
    pub room_id: String,
    pub room_name: String,
    pub id: u32,
    pub title: String,
    pub role: String,
    pub versions: Vec<crate::history::Version>,
    /// Per version: its brackets and agreed option in words.
    pub shown: Vec<(String, String)>,
    pub from: usize,
    pub to: usize,
    pub diff: Vec<crate::history::DiffRow>,
    pub documents: Vec<DocumentView>,
}

/// A document attached to a clause, as the viewer may read it.
pub struct DocumentView {
    pub seq: u64,
    pub clause: u32,
    pub clause_title: String,
    pub title: String,
    pub by: String,
    pub channel: String,
    pub when: String,
    pub body: String,
}

/// The documents among `visible` (a role's view), on clause `only` or all.
pub fn documents(room: &Room, visible: &[LogEntry], only: Option<u32>) -> Vec<DocumentView> {
    let talks = &room.talks;
    visible
        .iter()
        .filter_map(|e| match &e.entry {
            Entry::Document { name, clause, to, title, body, .. } if only.is_none_or(|c| c == *clause) => {
                Some(DocumentView {
                    seq: e.seq,
                    clause: *clause,
                    clause_title: room
                        .round()
                        .package()
                        .clause(entente_protocols::package::ClauseId(*clause))
                        .map_or_else(|| format!("clause {clause}"), |c| c.title.clone()),
                    title: title.clone(),
                    by: name.clone(),
                    channel: channel_label(talks, to),
                    when: when(e.time),
                    body: body.clone(),
                })
            }
            _ => None,
        })
        .collect()
}

/// The documents the viewer may read, as the room's page refreshes them live.
#[derive(Template)]
#[template(path = "documents.html")]
pub struct DocumentsFragment {
    pub documents: Vec<DocumentView>,
}

/// The channels `actor` may post on, as `(label, value)` for a form.
pub fn post_channels(talks: &Talks, actor: ActorRef) -> Vec<(String, String)> {
    let mut all = vec![Channel::Public];
    for (k, p) in talks.scenario.parties.iter().enumerate() {
        all.push(Channel::Caucus { party: k });
        if p.delegation.is_some() {
            all.push(Channel::Capital { party: k });
        }
        all.push(Channel::Confidence { party: k });
    }
    all.push(Channel::Mediators);
    all.into_iter().filter(|c| c.may_post(actor).is_ok()).map(|c| (channel_label(talks, &c), json(&c))).collect()
}

/// A seat as the chair sees it: who holds it, what it can be given to.
pub struct SeatRow {
    pub name: String,
    /// The seat as the forms send it (JSON).
    pub seat: String,
    pub person: bool,
    pub holder: String,
    /// What else may hold it: entente strategies for a delegation's seat,
    /// drafting rules for a co-mediator's (empty: none).
    pub choices: &'static [&'static str],
    /// What the choices are ("Strategy", "Drafting rule").
    pub choice: &'static str,
}

/// The strategies a chair may seat at a delegation's place.
pub const SEAT_STRATEGIES: [&str; 5] = ["boulware", "linear", "conceder", "aspiration", "tough"];

/// The drafting rules a chair may give a co-mediator's seat.
pub const SEAT_DRAFTING: [&str; 4] = ["margin", "nash", "kalai-smorodinsky", "egalitarian"];

/// Where the talks stand now, for the mediators (only when every party
/// confided its preferences to them: it reads them all): the delegations'
/// win-sets and vetoes, the zones of agreement and the diagnosis, over what
/// the talks negotiate now, as `entente analyze --at` gives them for a
/// talks file.
pub fn standing_text(room: &Room) -> String {
    let talks = &room.talks;
    let standing = room.round().standing();
    let made = || -> Result<String, Box<dyn std::error::Error>> {
        let zones = standing.zones(talks)?;
        let negotiated = standing.negotiated_scenario(talks)?;
        let states: Vec<entente_report::zones::DelegationState> = standing
            .delegations(talks)?
            .iter()
            .map(|d| entente_report::zones::DelegationState::counted(d.party, &d.instructions, &d.sets, &d.accepts))
            .collect();
        let span = talks.end().saturating_sub(talks.start()).max(1) as f64;
        let at = (room.now().saturating_sub(talks.start()) as f64 / span).clamp(0.0, 1.0);
        let at = (at * 1000.0).round() / 1000.0;
        Ok(entente_report::zones::zone_text(&negotiated, &states, &zones, at))
    };
    made().unwrap_or_else(|e| format!("The zone analysis could not be made now: {e}"))
}

/// The measures of the round so far (the mediators').
#[derive(Template)]
#[template(path = "measures.html")]
pub struct MeasuresFragment {
    pub now: String,
    /// Every party confided its preferences: the measures that read them are in.
    pub confided: bool,
    pub text: String,
    /// The mediators' assessment, once the round is over.
    pub assessment: Option<String>,
    /// Where the talks stand (zones, diagnosis), when every party confided its preferences.
    pub standing: Option<String>,
}

#[derive(Template)]
#[template(path = "clauses.html")]
pub struct ClausesFragment {
    pub room_id: String,
    pub now: String,
    pub status: String,
    pub clauses: Vec<ClauseRow>,
}

#[derive(Template)]
#[template(path = "index.html")]
pub struct IndexPage {
    pub signed_in: bool,
    pub convener: bool,
    pub rooms: Vec<(String, String)>,
    pub csrf: String,
    pub message: Option<String>,
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub title: String,
    pub text: String,
}

fn option_name(talks: &Talks, issue: Option<u32>, o: u32) -> String {
    issue
        .and_then(|i| talks.scenario.space.issues().get(i as usize))
        .and_then(|i| i.value(o).map(|v| v.to_string()))
        .unwrap_or_else(|| format!("option {o}"))
}

pub fn clause_rows(room: &Room) -> Vec<ClauseRow> {
    let talks = &room.talks;
    let round = room.round();
    round
        .package()
        .clauses()
        .iter()
        .map(|c| ClauseRow {
            id: c.id.0,
            title: c.title.clone(),
            state: c.state.to_string(),
            brackets: c.brackets.iter().map(|&o| option_name(talks, c.issue, o)).collect::<Vec<_>>().join(" / "),
            agreed: c.agreed.map(|o| option_name(talks, c.issue, o)).unwrap_or_default(),
            text: c
                .issue
                .and_then(|i| round.text().get(i as usize).map(|&o| option_name(talks, Some(i), o)))
                .unwrap_or_default(),
        })
        .collect()
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// The moves a person in `actor`'s seat may make now (the package machine
/// still decides: a button is an offer, not a permission).
pub fn moves(room: &Room, actor: ActorRef) -> Vec<MoveButton> {
    let talks = &room.talks;
    let round = room.round();
    let pkg = round.package();
    let mut out = Vec::new();
    if room.is_over() || !room.persons().contains(&actor) {
        return out;
    }
    let mut push = |label: String, answer: Answer| out.push(MoveButton { label, answer: json(&answer) });
    let voting = matches!(pkg.status(), Status::Voting { .. });
    for c in pkg.clauses() {
        let title = &c.title;
        match (actor, c.state) {
            (ActorRef::Party(_), ClauseState::Bracketed) if !voting => {
                let mine = Actors::of(talks).id(actor).and_then(|id| c.agreements.get(&id).copied());
                for &o in c.brackets.iter().filter(|&&o| mine != Some(o)) {
                    let act = Action::AgreeAdRef { clause: c.id, option: o };
                    push(
                        format!("Agree ad referendum: {title} = {}", option_name(talks, c.issue, o)),
                        Answer::act(act),
                    );
                }
            }
            (ActorRef::Party(_), ClauseState::Provisional) if !voting => {
                push(format!("Reopen {title}"), Answer::act(Action::Reopen { clause: c.id }));
            }
            (ActorRef::Capital(_), ClauseState::AdRef) => {
                push(format!("Confirm {title}"), Answer::act(Action::Confirm { clause: c.id }));
                push(format!("Decline {title}"), Answer::act(Action::Decline { clause: c.id }));
            }
            (ActorRef::Mediator(_), ClauseState::Open) if !voting => {
                let act = Action::Propose { clause: c.id, options: c.options.clone() };
                push(format!("Bracket every option of {title}"), Answer::act(act));
            }
            (ActorRef::Mediator(_), ClauseState::Reopened) if !voting => {
                push(format!("Restart {title}"), Answer::act(Action::Restart { clause: c.id }));
            }
            (ActorRef::Mediator(_), ClauseState::Bracketed) if !voting => {
                for &o in &c.brackets {
                    push(
                        format!("Put to the parties: {title} = {}", option_name(talks, c.issue, o)),
                        Answer::put(c.id, o),
                    );
                }
            }
            _ => {}
        }
    }
    match actor {
        ActorRef::Mediator(_) if !voting => {
            push("Call the final vote".into(), Answer::act(Action::CallVote));
            push("End the talks without adoption".into(), Answer::act(Action::End));
        }
        ActorRef::Party(_) if voting => {
            push("Vote yes".into(), Answer::act(Action::Vote { yes: true }));
            push("Vote no".into(), Answer::act(Action::Vote { yes: false }));
        }
        ActorRef::Guarantor(_) => {
            for t in room.awaiting(actor) {
                if let Prompt::ConsentRequested { clause } = t.prompt {
                    push(
                        format!("Consent to guarantee clause {}", clause.0),
                        Answer::act(Action::Consent { clause, given: true }),
                    );
                    push(
                        format!("Refuse to guarantee clause {}", clause.0),
                        Answer::act(Action::Consent { clause, given: false }),
                    );
                }
            }
        }
        _ => {}
    }
    // An item the scenario has this actor table (on its own initiative or
    // on instructions) waits for the person's click.
    let mut due = Vec::new();
    for t in room.awaiting(actor) {
        if let Prompt::TableDue { item, .. } = &t.prompt {
            due.extend(item.issue);
            push(format!("Table {}", item.title), Answer::act(Action::Table { item: item.clone() }));
        }
    }
    // A delegation or a mediator may table any issue of the space that is not
    // on the table (its reason, e.g. whose instructions, in the reason field).
    if matches!(actor, ActorRef::Party(_) | ActorRef::Mediator(_)) && !voting && !pkg.is_closed() {
        let space = &talks.scenario.space;
        let on_table = |i: u32| pkg.clauses().iter().any(|c| c.issue == Some(i) && c.state != ClauseState::Withdrawn);
        for i in 0..space.issues().len() {
            let issue = i as u32;
            if on_table(issue) || due.contains(&issue) {
                continue;
            }
            if let Ok(item) = ClauseSpec::for_issue(space, i) {
                let values =
                    (0..item.options.len() as u32).map(|o| option_name(talks, Some(issue), o)).collect::<Vec<_>>();
                push(
                    format!("Table {} (options: {})", item.title, values.join(", ")),
                    Answer::act(Action::Table { item }),
                );
            }
        }
    }
    out
}

fn prompt_text(room: &Room, p: &Prompt) -> String {
    match p {
        Prompt::MediatorTurn { .. } => "Your turn to move the text".into(),
        Prompt::Proposal { clause, option } => {
            let c = room.round().package().clause(*clause);
            let title = c.map_or_else(|| format!("clause {}", clause.0), |c| c.title.clone());
            format!(
                "The mediators put {title} = {} to the parties: agree ad referendum or let it pass",
                option_name(&room.talks, c.and_then(|c| c.issue), *option)
            )
        }
        Prompt::CapitalCall { clause } => {
            format!("Your delegation agreed to clause {} ad referendum: confirm or decline", clause.0)
        }
        Prompt::Instructed { bloc, .. } => format!("{bloc} sent new instructions"),
        Prompt::ConsentRequested { clause } => format!("Clause {} needs your consent as guarantor", clause.0),
        Prompt::Incident { place, .. } => format!("An incident at {place} bears on the text"),
        Prompt::VoteDue => "Every clause is provisional: call the final vote?".into(),
        Prompt::Vote => "The final vote is open: vote".into(),
        Prompt::TableDue { item, .. } => format!("{} is due to be tabled: table it", item.title),
        Prompt::Initiative => String::new(),
    }
}

/// The analysis `actor` may see of the current text: a delegation (or its
/// capital) its own blocs' verdict; the mediators every confided party's,
/// and a package that every confided party prefers to the text and ratifies.
pub fn analysis(room: &Room, actor: ActorRef) -> (String, Vec<String>) {
    let talks = &room.talks;
    let space = &talks.scenario.space;
    let round = room.round();
    let text = round.text();
    let n = talks.scenario.parties.len();
    let viewer = match actor {
        ActorRef::Party(_) | ActorRef::Capital(_) => actor,
        ActorRef::Mediator(_) => ActorRef::Mediator(0),
        _ => return (String::new(), Vec::new()),
    };
    let known: Vec<(usize, &entente_talks::Position)> =
        (0..n).filter_map(|k| round.position_for(viewer, k).map(|p| (k, p))).collect();
    let mut out = Vec::new();
    for (k, p) in &known {
        let name = &talks.scenario.parties[*k].name;
        let verdict = if p.delegation.is_none() {
            if p.ratifies(space, text) { "beats its reservation value" } else { "does not beat its reservation value" }
                .to_string()
        } else if p.ratifies(space, text) {
            "its blocs would ratify it (inside the win-set)".to_string()
        } else {
            let objections: Vec<String> = p
                .objections(space, text)
                .into_iter()
                .map(|o| match o.red_lines {
                    Some(lines) if !lines.is_empty() => format!("{} (red lines: {})", o.bloc, lines.join(", ")),
                    _ => o.bloc,
                })
                .collect();
            format!("outside the win-set: {} object", objections.join("; "))
        };
        out.push(format!("{name}: the text scores {:.3}; {verdict}", p.utility(space, text)));
    }
    if matches!(viewer, ActorRef::Mediator(_)) && !known.is_empty() {
        // The live issues: those of the clauses not withdrawn; the others stay as in the text.
        let live: Vec<usize> = round
            .package()
            .clauses()
            .iter()
            .filter(|c| c.state != ClauseState::Withdrawn)
            .filter_map(|c| c.issue.map(|i| i as usize))
            .collect();
        let now: Vec<f64> = known.iter().map(|(_, p)| p.utility(space, text)).collect();
        let mut best: Option<(f64, Vec<u32>)> = None;
        space.for_each_outcome(|o| {
            if o.iter().zip(text).enumerate().any(|(i, (a, b))| a != b && !live.contains(&i)) {
                return true;
            }
            let us: Vec<f64> = known.iter().map(|(_, p)| p.utility(space, o)).collect();
            let better = us.iter().zip(&now).all(|(u, c)| u >= c) && us.iter().zip(&now).any(|(u, c)| u > c);
            if better && known.iter().all(|(_, p)| p.ratifies(space, o)) {
                let product: f64 = us.iter().zip(&now).map(|(u, c)| u - c + 1e-9).product();
                if best.as_ref().is_none_or(|b| product > b.0) {
                    best = Some((product, o.to_vec()));
                }
            }
            true
        });
        out.push(match best {
            Some((_, o)) => format!(
                "A package every party that confides in the mediators prefers to the text, and would ratify: {}",
                text_line(talks, &o)
            ),
            None => "No package improves on the text for every party that confides in the mediators and is ratified by all of them".into(),
        });
        let unknown = n - known.len();
        if unknown > 0 {
            out.push(format!("{unknown} party(ies) do not confide their preferences: not weighed"));
        }
    }
    let title = if matches!(viewer, ActorRef::Mediator(_)) {
        "Analysis (mediators only, from the preferences confided to you)".to_string()
    } else {
        "Your position (yours only)".to_string()
    };
    (title, out)
}

/// Where the talks stand, in a few words.
pub fn status_of(room: &Room) -> String {
    match room.round().ending() {
        Some(entente_talks::sim::Ending::Adopted { .. }) => "adopted".to_string(),
        Some(entente_talks::sim::Ending::NotAdopted { .. }) => "ended without adoption".to_string(),
        Some(entente_talks::sim::Ending::BrokeDown { by, .. }) => format!("broke down ({by} walked out)"),
        None => match room.round().package().status() {
            Status::Voting { .. } => "final vote open".to_string(),
            _ => "negotiating".to_string(),
        },
    }
}

/// The room's page for `viewer`.
pub fn room_page(
    room: &Room,
    viewer: &Viewer,
    message: Option<String>,
    invitations: Vec<(String, String, String)>,
) -> RoomPage {
    let talks = &room.talks;
    let actors = Actors::of(talks);
    let role = viewer.grant.role();
    let actor = viewer.grant.actor();
    let visible = room.visible(role, 0);
    let lines: Vec<Line> = visible.iter().map(|e| line(talks, &actors, e)).collect();
    let party = |k: usize| talks.scenario.parties.get(k).map_or_else(|| format!("party {k}"), |p| p.name.clone());
    // Scores: the latest score of each party this role may see (its own; the mediators: the confided ones).
    let mut latest: std::collections::BTreeMap<usize, f64> = std::collections::BTreeMap::new();
    let mut ratification = Vec::new();
    for e in &visible {
        match &e.entry {
            Entry::TextScored { party: k, utility } => {
                latest.insert(*k, *utility);
            }
            Entry::Ratification { party: k, ratified, rejected_by } => ratification.push(if *ratified {
                format!("{}: ratified by its blocs", party(*k))
            } else {
                format!("{}: rejected by {}", party(*k), rejected_by.join(", "))
            }),
            _ => {}
        }
    }
    let mut scores: Vec<String> =
        latest.iter().map(|(k, u)| format!("{} scores the current text {u:.3}", party(*k))).collect();
    scores.extend(ratification);
    let status = status_of(room);
    let (analysis_title, analysis) = analysis(room, actor);
    let seats = if viewer.grant.chairs() {
        crate::rooms::seats_of(talks)
            .into_iter()
            .map(|a| SeatRow {
                name: seat_name(talks, a),
                seat: json(&a),
                person: room.persons().contains(&a),
                holder: room.holder(a),
                choices: match a {
                    ActorRef::Party(_) => &SEAT_STRATEGIES,
                    ActorRef::Mediator(_) => &SEAT_DRAFTING,
                    _ => &[],
                },
                choice: if matches!(a, ActorRef::Mediator(_)) { "Drafting rule" } else { "Strategy" },
            })
            .collect()
    } else {
        Vec::new()
    };
    RoomPage {
        room_id: room.id.clone(),
        room_name: room.name.clone(),
        who: if viewer.grant.chairs() {
            format!("the chair ({})", seat_name(talks, actor))
        } else {
            seat_name(talks, actor)
        },
        role: match role {
            Role::Mediator => "mediators".into(),
            Role::Observer => "observer".into(),
            Role::Party { party: k } => format!("delegation of {}", party(k)),
        },
        chair: viewer.grant.chairs(),
        person: room.persons().contains(&actor),
        auto: room.auto,
        now: when(room.now()),
        status,
        clauses: clause_rows(room),
        awaiting: room.awaiting(actor).iter().map(|t| prompt_text(room, &t.prompt)).filter(|s| !s.is_empty()).collect(),
        moves: moves(room, actor),
        scores,
        analysis_title,
        analysis,
        last_seq: lines.last().map(|l| l.seq),
        lines,
        csrf: viewer.csrf(),
        seats,
        invitations,
        message,
        channels: if room.persons().contains(&actor) { post_channels(talks, actor) } else { Vec::new() },
        documents: documents(room, &visible, None),
        max_message: entente_talks::sim::MAX_MESSAGE_CHARS,
        max_title: entente_talks::sim::MAX_TITLE_CHARS,
        max_document: entente_talks::sim::MAX_DOCUMENT_CHARS,
    }
}

/// The role's name for a page.
pub fn role_name(talks: &Talks, role: Role) -> String {
    match role {
        Role::Mediator => "mediators".into(),
        Role::Observer => "observer".into(),
        Role::Party { party: k } => format!(
            "delegation of {}",
            talks.scenario.parties.get(k).map_or_else(|| format!("party {k}"), |p| p.name.clone())
        ),
    }
}

/// Clause `id`'s page for a viewer of `role`, the difference between
/// versions `from` and `to` (by default the first and the last); `None`
/// when there is no such clause.
pub fn clause_page(room: &Room, role: Role, id: u32, from: Option<usize>, to: Option<usize>) -> Option<ClausePage> {
    let talks = &room.talks;
    let clause = room.round().package().clause(entente_protocols::package::ClauseId(id))?;
    let visible = room.visible(role, 0);
    let versions = crate::history::versions(talks, &visible, clause);
    let last = versions.len().saturating_sub(1);
    let from = from.unwrap_or(0).min(last);
    let to = to.unwrap_or(last).min(last);
    let diff = match (versions.get(from), versions.get(to)) {
        (Some(a), Some(b)) => crate::history::diff(talks, clause, a, b),
        _ => Vec::new(),
    };
    let shown = versions
        .iter()
        .map(|v| {
            let b: Vec<String> = v.brackets.iter().map(|&o| crate::history::option_name(talks, clause, o)).collect();
            (b.join(" / "), v.agreed.map(|o| crate::history::option_name(talks, clause, o)).unwrap_or_default())
        })
        .collect();
    Some(ClausePage {
        room_id: room.id.clone(),
        room_name: room.name.clone(),
        id,
        title: clause.title.clone(),
        role: role_name(talks, role),
        versions,
        shown,
        from,
        to,
        diff,
        documents: documents(room, &visible, Some(id)),
    })
}
