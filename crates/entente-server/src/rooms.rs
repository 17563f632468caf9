//! Rooms: a round of talks held live. A room's record is its chain of
//! events ([`crate::chain`]): the inputs that drive the round — its
//! creation from a talks scenario, seats given to persons, advances of its
//! clock, the persons' moves — each followed by the log entries it produced.
//! Replaying the inputs through the round rebuilds the room, and the entries
//! it produces again must be the stored ones ([`Room::replay`]).
//!
//! The room's clock is the talks' minute the room has reached: it advances
//! only by an [`Input::Advance`] (the chair's "next" or "until someone's
//! turn"), and every move is made at that minute. The simulated seats
//! answer their prompts at once; a person's seat ([`Person`]) answers
//! nothing when prompted, and the person's move arrives with
//! [`Input::Move`], through the package machine.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use entente_formats::talks_toml::parse_talks;
use entente_model::talks::Drafting;
use entente_model::{StrategyOptions, StrategySpec};
use entente_protocols::package::Timestamp;
use entente_talks::actors::ActorRef;
use entente_talks::log::{LogEntry, Role};
use entente_talks::sim::{Phase, Post, TalksError};
use entente_talks::{Answer, Prompt, Round, Seats, Talks, Turn};
use entente_talks::{DraftingMediator, Participant, Person, StrategyParty};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::chain::{self, BrokenLink, GENESIS, StoredEvent};
use crate::db::{Db, DbError};

/// How many points of the schedule an `auto` room runs through at most at once.
pub const AUTO_STEPS: usize = 100_000;

/// The largest talks scenario a room accepts (bytes of TOML).
pub const MAX_SCENARIO_BYTES: usize = 256 * 1024;

/// An input of a room: what drives its round.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "input")]
pub enum Input {
    /// The room is set up from a talks scenario (TOML), `persons` seated;
    /// with `auto`, the clock runs on by itself until a person is asked
    /// something (after the opening and after each move).
    Created {
        name: String,
        scenario: String,
        persons: Vec<ActorRef>,
        #[serde(default)]
        auto: bool,
    },
    /// `actor`'s seat goes to a person (`person: true`) or back to its agent:
    /// the simulated one, or (a party's seat) an entente strategy by name.
    Seat {
        actor: ActorRef,
        person: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        strategy: Option<String>,
    },
    /// The clock moves on to minute `to`: everything due by then happens.
    Advance { to: Timestamp },
    /// A person's move.
    Move { actor: ActorRef, at: Timestamp, answer: Answer },
    /// A person's message on a channel, or a document attached to a clause.
    Post { actor: ActorRef, at: Timestamp, post: Post },
}

impl Input {
    fn kind(&self) -> &'static str {
        match self {
            Input::Created { .. } => "created",
            Input::Seat { .. } => "seat",
            Input::Advance { .. } => "advance",
            Input::Move { .. } => "move",
            Input::Post { .. } => "post",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RoomError {
    #[error("{0}")]
    Scenario(#[from] entente_formats::FormatError),
    #[error("the scenario is too large ({0} bytes; at most {MAX_SCENARIO_BYTES})")]
    TooLarge(usize),
    #[error("{0}")]
    Talks(#[from] TalksError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("the record is broken: {0}")]
    Chain(#[from] BrokenLink),
    #[error("the record does not replay: event {seq} {why}")]
    Diverged { seq: i64, why: String },
    #[error("the record of room {0} is empty")]
    Empty(String),
    #[error("{0} is not a person's seat in this room: its moves are its agent's")]
    NotAPerson(String),
    #[error("{0} is not a seat of these talks")]
    NoSuchSeat(String),
    #[error("the talks are over")]
    Over,
    #[error("{0}")]
    Strategy(#[from] entente_model::StrategyError),
    #[error("{0}")]
    NotATalksStrategy(#[from] entente_talks::NotATalksStrategy),
    #[error("{0}")]
    Drafting(#[from] entente_model::talks::DraftingError),
    #[error(
        "a strategy holds a delegation's seat and a drafting rule a co-mediator's; {0} is held by its simulated agent \
         or a person"
    )]
    StrategySeat(String),
    #[error(
        "the round is still under way (its clock at {at}): the transcript, the measures and the assessment are of a \
         finished round; the mediators' page shows the measures so far"
    )]
    UnderWay { at: String },
}

/// The longest reason a person or an agent may give with a move, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// A reason longer than [`MAX_REASON_CHARS`].
#[derive(Debug, thiserror::Error)]
#[error("a reason is at most {MAX_REASON_CHARS} characters")]
pub struct ReasonTooLong;

/// `answer` with the reason a person or an agent typed (trimmed; none when empty).
pub fn with_reason(answer: Answer, reason: &str) -> Result<Answer, ReasonTooLong> {
    let reason = reason.trim();
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(ReasonTooLong);
    }
    Ok(if reason.is_empty() {
        answer
    } else {
        answer.because(entente_protocols::package::Reason::Free { text: reason.to_string() })
    })
}

/// A room in memory: its round, its seats, the head of its chain.
pub struct Room {
    pub id: String,
    pub name: String,
    pub talks: Arc<Talks>,
    round: Round,
    seats: Seats,
    persons: BTreeSet<ActorRef>,
    /// The seats held by an entente strategy, by its name.
    strategies: BTreeMap<ActorRef, String>,
    /// The mediators' assessment of the finished round, with the log's length it was made at.
    assessment: Option<(u64, Option<String>)>,
    now: Timestamp,
    next_seq: i64,
    head: String,
    changed: watch::Sender<u64>,
    /// The clock runs on by itself until a person is asked something.
    pub auto: bool,
    /// Set when a write failed because another writer went first.
    stale: bool,
}

fn json<T: Serialize>(value: &T) -> String {
    // Plain data types of this crate and entente-talks: serialisation cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

/// Whether `actor` is a seat of `talks`.
pub fn is_seat(talks: &Talks, actor: ActorRef) -> bool {
    let parties = &talks.scenario.parties;
    match actor {
        ActorRef::Party(k) => k < parties.len(),
        ActorRef::Capital(k) => parties.get(k).is_some_and(|p| p.delegation.is_some()),
        ActorRef::Mediator(m) => m < talks.mediators.len(),
        ActorRef::Guarantor(g) => g < talks.guarantors.len(),
        ActorRef::Observer => true,
    }
}

/// Every seat of `talks` that acts (parties, capitals, mediators, guarantors).
pub fn seats_of(talks: &Talks) -> Vec<ActorRef> {
    let parties = &talks.scenario.parties;
    let mut out: Vec<ActorRef> = (0..talks.mediators.len()).map(ActorRef::Mediator).collect();
    for (k, p) in parties.iter().enumerate() {
        out.push(ActorRef::Party(k));
        if p.delegation.is_some() {
            out.push(ActorRef::Capital(k));
        }
    }
    out.extend((0..talks.guarantors.len()).map(ActorRef::Guarantor));
    out
}

/// The name of a seat, as the scenario gives it.
pub fn seat_name(talks: &Talks, actor: ActorRef) -> String {
    let party = |k: usize| talks.scenario.parties.get(k).map_or_else(|| format!("party {k}"), |p| p.name.clone());
    match actor {
        ActorRef::Party(k) => format!("delegation of {}", party(k)),
        ActorRef::Capital(k) => format!("capital of {}", party(k)),
        ActorRef::Mediator(m) => talks.mediators.get(m).cloned().unwrap_or_else(|| format!("mediator {m}")),
        ActorRef::Guarantor(g) => talks.guarantors.get(g).map_or_else(|| format!("guarantor {g}"), |x| x.name.clone()),
        ActorRef::Observer => "observer".to_string(),
    }
}

/// The entries of `log` from `from` on that `role` may see: what every page
/// and every event stream of the server sends (never anything else).
pub fn visible(entries: &[LogEntry], role: Role, from: u64) -> Vec<LogEntry> {
    let from = usize::try_from(from).unwrap_or(usize::MAX).min(entries.len());
    entries[from..].iter().filter(|e| role.may_see(&e.visibility)).cloned().collect()
}

impl Room {
    /// A new room (not yet stored): its creation input applied.
    fn new(id: &str, name: &str, scenario: &str, persons: &[ActorRef], auto: bool) -> Result<Room, RoomError> {
        if scenario.len() > MAX_SCENARIO_BYTES {
            return Err(RoomError::TooLarge(scenario.len()));
        }
        let talks = parse_talks(scenario, Path::new("scenario.toml"))?;
        for &p in persons {
            if !is_seat(&talks, p) || p == ActorRef::Observer {
                return Err(RoomError::NoSuchSeat(format!("{p:?}")));
            }
        }
        let talks = Arc::new(talks);
        let round = Round::new(Arc::clone(&talks))?;
        let mut seats = Seats::simulated();
        for &p in persons {
            seats = seats.seat(p, Person);
        }
        let (changed, _) = watch::channel(0);
        Ok(Room {
            id: id.to_string(),
            name: name.to_string(),
            now: 0,
            talks,
            round,
            seats,
            persons: persons.iter().copied().collect(),
            next_seq: 0,
            head: GENESIS.to_string(),
            changed,
            auto,
            stale: false,
            strategies: BTreeMap::new(),
            assessment: None,
        })
    }

    /// Creates a room, stores its creation and opens it (the clock at the
    /// talks' start).
    pub async fn create(
        db: &Db,
        id: &str,
        name: &str,
        scenario: &str,
        persons: &[ActorRef],
        auto: bool,
        created_ms: i64,
    ) -> Result<Room, RoomError> {
        let mut room = Room::new(id, name, scenario, persons, auto)?;
        db.create_room(id, name, created_ms).await?;
        let created =
            Input::Created { name: name.to_string(), scenario: scenario.to_string(), persons: persons.to_vec(), auto };
        room.store(db, &created, 0).await?;
        let start = room.talks.start();
        room.input(db, Input::Advance { to: start }).await?;
        if auto {
            room.run_on(db).await?;
        }
        Ok(room)
    }

    /// Rebuilds a room from its stored events: the chain checked, every input
    /// replayed, every entry produced again compared with the stored one.
    pub fn replay(events: &[StoredEvent]) -> Result<Room, RoomError> {
        chain::verify(events)?;
        let Some(first) = events.first() else { return Err(RoomError::Empty(String::new())) };
        let Ok(Input::Created { name, scenario, persons, auto }) = serde_json::from_str::<Input>(&first.body) else {
            return Err(RoomError::Diverged { seq: 0, why: "is not the room's creation".into() });
        };
        let mut room = Room::new(&first.room, &name, &scenario, &persons, auto)?;
        room.next_seq = 1;
        room.head = first.hash.clone();
        room.follow(&events[1..])?;
        Ok(room)
    }

    /// Applies events stored after this room's head (by this server before a
    /// restart, or by another server on the same database): each must link
    /// to the head, every input is applied, every entry produced must be the
    /// stored one. On an error the room is left part-way: rebuild it.
    fn follow(&mut self, events: &[StoredEvent]) -> Result<(), RoomError> {
        let bad = |seq: i64, why: String| RoomError::Diverged { seq, why };
        let mut entries = self.round.log().entries().len();
        for e in events {
            if e.room != self.id || e.seq != self.next_seq {
                return Err(BrokenLink::Gap { room: self.id.clone(), seq: self.next_seq, found: e.seq }.into());
            }
            if e.prev_hash != self.head {
                return Err(BrokenLink::Link { room: self.id.clone(), seq: e.seq, prev: e.seq - 1 }.into());
            }
            if chain::hash(&e.prev_hash, &e.room, e.seq, &e.kind, &e.body) != e.hash {
                return Err(BrokenLink::Altered { room: self.id.clone(), seq: e.seq }.into());
            }
            self.next_seq = e.seq + 1;
            self.head = e.hash.clone();
            if e.kind == "entry" {
                let produced = self.round.log().entries().get(entries).map(json);
                if produced.as_deref() != Some(e.body.as_str()) {
                    return Err(bad(e.seq, "is not the entry the round produces there".into()));
                }
                entries += 1;
                continue;
            }
            if entries != self.round.log().entries().len() {
                return Err(bad(e.seq, "follows an input whose entries are missing".into()));
            }
            let input: Input = serde_json::from_str(&e.body).map_err(|x| bad(e.seq, format!("does not read: {x}")))?;
            if input.kind() != e.kind {
                return Err(bad(e.seq, format!("is stored as {} but reads as {}", e.kind, input.kind())));
            }
            self.apply(&input).map_err(|x| bad(e.seq, format!("is refused: {x}")))?;
        }
        if entries != self.round.log().entries().len() {
            return Err(bad(self.next_seq, "is missing: the last input's entries are not all stored".into()));
        }
        self.changed.send_replace(self.round.log().entries().len() as u64);
        Ok(())
    }

    /// Brings the room up to its record: the events another server appended
    /// since this room's head are applied (as the room follows them) and the room's
    /// streams are woken. Should they not follow, the room is rebuilt from
    /// the record. How many events were applied.
    pub async fn catch_up(&mut self, db: &Db) -> Result<usize, RoomError> {
        let events = db.events_from(&self.id, self.next_seq).await?;
        if events.is_empty() {
            return Ok(0);
        }
        let (seq, _) = self.head();
        if self.follow(&events).is_err() {
            self.reload(db).await?;
        }
        Ok(usize::try_from(self.head().0 - seq).unwrap_or(0))
    }

    /// Loads room `id` from the database.
    pub async fn load(db: &Db, id: &str) -> Result<Room, RoomError> {
        let events = db.events(id).await?;
        if events.is_empty() {
            return Err(RoomError::Empty(id.to_string()));
        }
        Room::replay(&events)
    }

    /// Applies an input to the round in memory.
    fn apply(&mut self, input: &Input) -> Result<(), RoomError> {
        match input {
            Input::Created { .. } => return Err(RoomError::Diverged { seq: -1, why: "a second creation".into() }),
            Input::Seat { actor, person, strategy } => {
                if !is_seat(&self.talks, *actor) || *actor == ActorRef::Observer {
                    return Err(RoomError::NoSuchSeat(format!("{actor:?}")));
                }
                // Checked before anything changes: a refused seat leaves the room as it was.
                // A delegation takes an entente strategy, a co-mediator a drafting rule.
                let agent: Option<Box<dyn Participant>> = match (strategy, actor) {
                    (Some(_), _) if *person => return Err(RoomError::StrategySeat(seat_name(&self.talks, *actor))),
                    (Some(name), ActorRef::Party(_)) => {
                        let spec = StrategySpec::from_name(name, &StrategyOptions::default())?;
                        Some(Box::new(StrategyParty::new(spec)?))
                    }
                    (Some(name), ActorRef::Mediator(_)) => {
                        Some(Box::new(DraftingMediator { rule: name.parse::<Drafting>()? }))
                    }
                    (Some(_), _) => return Err(RoomError::StrategySeat(seat_name(&self.talks, *actor))),
                    (None, _) => None,
                };
                let seats = std::mem::take(&mut self.seats);
                self.strategies.remove(actor);
                if *person {
                    self.seats = seats.seat(*actor, Person);
                    self.persons.insert(*actor);
                } else if let (Some(agent), Some(name)) = (agent, strategy) {
                    self.seats = seats.seat_boxed(*actor, agent);
                    self.persons.remove(actor);
                    self.strategies.insert(*actor, name.clone());
                } else {
                    self.seats = seats;
                    self.seats.take(*actor);
                    self.persons.remove(actor);
                }
            }
            Input::Advance { to } => {
                self.round.advance_to(*to, &mut self.seats)?;
                self.now = self.now.max(*to);
            }
            Input::Move { actor, at, answer } => {
                if !self.persons.contains(actor) {
                    return Err(RoomError::NotAPerson(seat_name(&self.talks, *actor)));
                }
                self.round.submit(*actor, answer.clone(), *at, &mut self.seats)?;
                self.now = self.now.max(*at);
            }
            Input::Post { actor, at, post } => {
                // An observer is refused by the round, with the channel's reason.
                if *actor != ActorRef::Observer && !self.persons.contains(actor) {
                    return Err(RoomError::NotAPerson(seat_name(&self.talks, *actor)));
                }
                self.round.post(*actor, post.clone(), *at, &mut self.seats)?;
                self.now = self.now.max(*at);
            }
        }
        Ok(())
    }

    /// Stores `input` and the entries from `from` on, chained after the head.
    async fn store(&mut self, db: &Db, input: &Input, from: usize) -> Result<(), RoomError> {
        let mut rows = Vec::new();
        let mut prev = self.head.clone();
        let mut seq = self.next_seq;
        let mut push = |kind: &str, body: String| {
            let hash = chain::hash(&prev, &self.id, seq, kind, &body);
            rows.push(StoredEvent {
                room: self.id.clone(),
                seq,
                kind: kind.to_string(),
                body,
                prev_hash: prev.clone(),
                hash: hash.clone(),
            });
            prev = hash;
            seq += 1;
        };
        push(input.kind(), json(input));
        for e in &self.round.log().entries()[from..] {
            push("entry", json(e));
        }
        db.append(&rows).await?;
        self.next_seq = seq;
        self.head = prev;
        self.changed.send_replace(self.round.log().entries().len() as u64);
        Ok(())
    }

    /// Applies an input and stores it with the entries it produced. A
    /// refused input changes nothing and stores nothing; should the round or
    /// the database fail half-way, the room is rebuilt from its record.
    pub async fn input(&mut self, db: &Db, input: Input) -> Result<(), RoomError> {
        match self.try_input(db, &input).await {
            // Another server wrote to this room's record first (the chain's
            // next number is taken): the room was rebuilt from the record;
            // the input is applied once more, after what the other wrote.
            Err(RoomError::Db(_)) if self.stale => {
                self.stale = false;
                self.try_input(db, &input).await
            }
            other => other,
        }
    }

    async fn try_input(&mut self, db: &Db, input: &Input) -> Result<(), RoomError> {
        let from = self.round.log().entries().len();
        let turns = self.round.turns().len();
        if let Err(e) = self.apply(input) {
            if self.round.log().entries().len() != from || self.round.turns().len() != turns {
                self.reload(db).await?;
            }
            return Err(e);
        }
        if let Err(e) = self.store(db, input, from).await {
            let (seq, _) = self.head();
            self.reload(db).await?;
            // Reloaded with more events than this room had: another writer.
            self.stale = self.head().0 > seq;
            return Err(e);
        }
        Ok(())
    }

    async fn reload(&mut self, db: &Db) -> Result<(), RoomError> {
        let fresh = Room::load(db, &self.id).await?;
        let changed = self.changed.clone();
        *self = fresh;
        // Keep the subscribers of the room that was in memory.
        self.changed = changed;
        self.changed.send_replace(self.round.log().entries().len() as u64);
        Ok(())
    }

    /// A person's move, made now (in an `auto` room, the clock then runs on).
    pub async fn act(&mut self, db: &Db, actor: ActorRef, answer: Answer) -> Result<(), RoomError> {
        if self.is_over() {
            return Err(RoomError::Over);
        }
        self.input(db, Input::Move { actor, at: self.now, answer }).await?;
        if self.auto {
            self.run_on(db).await?;
        }
        Ok(())
    }

    /// A person's message or document, posted now. It prompts nobody: an
    /// `auto` room's clock does not run on after it.
    pub async fn post(&mut self, db: &Db, actor: ActorRef, post: Post) -> Result<(), RoomError> {
        if self.is_over() {
            return Err(RoomError::Over);
        }
        self.input(db, Input::Post { actor, at: self.now, post }).await
    }

    /// In an `auto` room: on until a person is asked something new.
    async fn run_on(&mut self, db: &Db) -> Result<(), RoomError> {
        match self.until_turn(db, AUTO_STEPS).await {
            Ok(()) | Err(RoomError::Over) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Advances the clock to the next thing due.
    pub async fn next(&mut self, db: &Db) -> Result<(), RoomError> {
        match self.round.next_due() {
            Some(to) => self.input(db, Input::Advance { to: to.max(self.now) }).await,
            None => Err(RoomError::Over),
        }
    }

    /// Advances the clock until a person is asked something (a prompt after
    /// those already made) or the talks are over (at most `max_steps` points
    /// of the schedule).
    pub async fn until_turn(&mut self, db: &Db, max_steps: usize) -> Result<(), RoomError> {
        let from = self.round.log().entries().len();
        let turns = self.round.turns().len();
        let asked = |round: &Round, persons: &BTreeSet<ActorRef>| {
            // A prompt made since, that the person is still asked (not one
            // it has already answered, e.g. by an agreement that stands).
            round.turns()[turns..].iter().any(|t| {
                persons.contains(&t.actor) && t.prompt != Prompt::Initiative && round.awaiting(t.actor).contains(&t)
            })
        };
        let mut to = self.now;
        let mut result = Ok(());
        for _ in 0..max_steps {
            let Some(due) = self.round.next_due() else { break };
            to = to.max(due);
            if let Err(e) = self.round.advance_to(to, &mut self.seats) {
                result = Err(RoomError::from(e));
                break;
            }
            if asked(&self.round, &self.persons) {
                break;
            }
        }
        if let Err(e) = result {
            self.reload(db).await?;
            return Err(e);
        }
        if to == self.now && self.round.log().entries().len() == from && self.round.turns().len() == turns {
            return if self.round.next_due().is_none() { Err(RoomError::Over) } else { Ok(()) };
        }
        self.now = to;
        if let Err(e) = self.store(db, &Input::Advance { to }, from).await {
            self.reload(db).await?;
            return Err(e);
        }
        Ok(())
    }

    /// The mediators' assessment once the round is over (`None` before), as
    /// `entente talks --record` gives it: made from the record replayed (the
    /// room goes on holding its round), once for the log as it stands.
    pub async fn assessment(&mut self, db: &Db) -> Result<Option<String>, RoomError> {
        if !self.is_over() {
            return Ok(None);
        }
        let len = self.log_len();
        if let Some((at, text)) = &self.assessment
            && *at == len
        {
            return Ok(text.clone());
        }
        let events = db.events(&self.id).await?;
        let text = Room::replay(&events)?.into_run()?.assessment.map(|a| a.text);
        self.assessment = Some((len, text.clone()));
        Ok(text)
    }

    /// Gives `actor`'s seat to a person or back to its agent.
    pub async fn seat(&mut self, db: &Db, actor: ActorRef, person: bool) -> Result<(), RoomError> {
        self.input(db, Input::Seat { actor, person, strategy: None }).await
    }

    /// Gives a party's seat to an entente strategy (`boulware`, `linear`,
    /// `conceder`, `aspiration`, `tough`, or a NegMAS class name of these).
    pub async fn seat_strategy(&mut self, db: &Db, actor: ActorRef, strategy: &str) -> Result<(), RoomError> {
        self.input(db, Input::Seat { actor, person: false, strategy: Some(strategy.to_string()) }).await
    }

    /// Who holds `actor`'s seat, in words.
    pub fn holder(&self, actor: ActorRef) -> String {
        if self.persons.contains(&actor) {
            "a person".into()
        } else if let Some(s) = self.strategies.get(&actor) {
            format!("the strategy {s}")
        } else {
            "its agent (simulated)".into()
        }
    }

    pub fn round(&self) -> &Round {
        &self.round
    }

    /// The round as the simulator gives it (`entente talks`'s run: the
    /// aftermath's incidents, the mediators' assessment, the baseline), so
    /// that the transcript, the measures, the exports by role and the figure
    /// work on a real round as on a simulated one. Only a round that is over.
    pub fn into_run(self) -> Result<entente_talks::TalksRun, RoomError> {
        if !self.is_over() {
            return Err(RoomError::UnderWay { at: entente_talks::sim::when(self.now) });
        }
        let Room { round, mut seats, .. } = self;
        Ok(round.finish(&mut seats)?)
    }

    pub fn now(&self) -> Timestamp {
        self.now
    }

    pub fn is_over(&self) -> bool {
        self.round.phase() == Phase::Closed || self.round.ending().is_some()
    }

    pub fn persons(&self) -> &BTreeSet<ActorRef> {
        &self.persons
    }

    /// What `actor` (a person) is asked to do now.
    pub fn awaiting(&self, actor: ActorRef) -> Vec<Turn> {
        if !self.persons.contains(&actor) {
            return Vec::new();
        }
        self.round.awaiting(actor).into_iter().cloned().collect()
    }

    /// The entries from `from` on that `role` may see.
    pub fn visible(&self, role: Role, from: u64) -> Vec<LogEntry> {
        visible(self.round.log().entries(), role, from)
    }

    /// The number of entries of the log.
    pub fn log_len(&self) -> u64 {
        self.round.log().entries().len() as u64
    }

    /// A receiver told the log's length whenever entries are added.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// The chain's length and head.
    pub fn head(&self) -> (i64, &str) {
        (self.next_seq, &self.head)
    }
}
