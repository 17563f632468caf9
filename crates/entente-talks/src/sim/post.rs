//! What people type: messages on the talks' channels and documents
//! attached to agenda items ([`Round::post`]). A post is a log entry on its
//! channel's [`Visibility`](crate::log::Visibility); it changes nothing in
//! the package. Who may post on which channel is checked here
//! ([`Channel::may_post`]), and the text is bounded: a refused post is an
//! error and writes nothing.

use entente_protocols::package::{ClauseId, Timestamp};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::{Round, TalksError};
use crate::actors::ActorRef;
use crate::log::{Channel, ChannelRefused, Entry};
use crate::participant::Seats;

/// The longest message (characters).
pub const MAX_MESSAGE_CHARS: usize = 2_000;
/// The longest document title (characters).
pub const MAX_TITLE_CHARS: usize = 200;
/// The longest document body (characters).
pub const MAX_DOCUMENT_CHARS: usize = 20_000;

/// What a seat posts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Post {
    /// A message on a channel.
    Message { to: Channel, text: String },
    /// A document attached to a clause, shared on a channel.
    Document { clause: ClauseId, to: Channel, title: String, body: String },
}

/// Why a post is refused.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum PostError {
    #[error("{0}")]
    Channel(#[from] ChannelRefused),
    #[error("there is no party {0}")]
    NoSuchParty(usize),
    #[error("{0} is not a seat of these talks")]
    NoSuchSeat(String),
    #[error("there is no clause {0}")]
    NoSuchClause(u32),
    #[error("the {field} is empty")]
    Empty { field: &'static str },
    #[error("the {field} has {got} characters; at most {max}")]
    TooLong { field: &'static str, got: usize, max: usize },
    #[error("the talks are over")]
    Over,
}

fn bounded(field: &'static str, text: &str, max: usize) -> Result<String, PostError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(PostError::Empty { field });
    }
    let got = text.chars().count();
    if got > max {
        return Err(PostError::TooLong { field, got, max });
    }
    Ok(text.to_string())
}

impl Round {
    /// Posts `actor`'s message or document at minute `at` of the talks
    /// (the time is given: the round has no clock). The round is first
    /// advanced through everything due before `at`, as for a move
    /// ([`Round::submit`]); a post made before the last entry of the log is
    /// logged at that entry's minute. Returns the entry's `seq`. A refused
    /// post (wrong channel for the seat, empty or too long, an unknown
    /// clause) is an error and changes nothing; one refused because the
    /// talks ended in that advance changes nothing beyond the advance.
    pub fn post(&mut self, actor: ActorRef, post: Post, at: Timestamp, seats: &mut Seats) -> Result<u64, TalksError> {
        let refused = |round: &Round, error: PostError| TalksError::Post { actor: round.seat_label(actor), error };
        let (to, entry) = match self.check_post(actor, post) {
            Ok(x) => x,
            Err(error) => return Err(refused(self, error)),
        };
        self.advance_to(at.saturating_sub(1), seats)?;
        if self.ending.is_some() {
            return Err(refused(self, PostError::Over));
        }
        let at = at.max(self.pkg.time()).max(self.log.entries().last().map_or(0, |e| e.time));
        Ok(self.log.push(at, to.visibility(), entry)?)
    }

    fn check_post(&self, actor: ActorRef, post: Post) -> Result<(Channel, Entry), PostError> {
        if actor != ActorRef::Observer && self.actors.id(actor).is_none() {
            return Err(PostError::NoSuchSeat(format!("{actor:?}")));
        }
        if self.ending.is_some() || self.pkg.is_closed() {
            return Err(PostError::Over);
        }
        let to = match &post {
            Post::Message { to, .. } | Post::Document { to, .. } => *to,
        };
        to.may_post(actor)?;
        if let Some(k) = to.party()
            && k >= self.talks.scenario.parties.len()
        {
            return Err(PostError::NoSuchParty(k));
        }
        let name = self.seat_label(actor);
        let entry = match post {
            Post::Message { text, .. } => {
                Entry::Message { actor, name, to, text: bounded("message", &text, MAX_MESSAGE_CHARS)? }
            }
            Post::Document { clause, title, body, .. } => {
                if self.pkg.clause(clause).is_none() {
                    return Err(PostError::NoSuchClause(clause.0));
                }
                let title = bounded("document's title", &title, MAX_TITLE_CHARS)?;
                let body = bounded("document's text", &body, MAX_DOCUMENT_CHARS)?;
                Entry::Document { actor, name, clause: clause.0, to, title, body }
            }
        };
        Ok((to, entry))
    }

    /// A seat's name: the actor's name in the talks ("observer" for one).
    fn seat_label(&self, actor: ActorRef) -> String {
        match self.actors.id(actor) {
            Some(id) => self.actor_name(id),
            None => "an observer".to_string(),
        }
    }
}
