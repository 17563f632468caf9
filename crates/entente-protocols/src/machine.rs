//! The one contract every protocol machine follows: moves in, events out,
//! refusal without side effect, and replay of a log that checks every step.
//!
//! A machine ([`crate::sao::Sao`], [`crate::single_text::SingleText`],
//! [`crate::package::Package`]) holds no clock, thread, socket or strategy.
//! Whoever drives it (the simulator, a server with people, a test) submits a
//! move with [`Machine::apply`]; an accepted move emits one or more events
//! through the sink, a refused one returns the machine's error and changes
//! nothing. Every event that a move emits first names that move
//! ([`Machine::move_of`]), so a log of events is enough to rebuild the state:
//! [`replay`] submits each move again and checks that it produces exactly the
//! logged events.

use std::fmt;

use thiserror::Error;

/// A sans-IO protocol machine.
pub trait Machine {
    /// What an actor submits: who acts, and what it does.
    type Move: Clone + fmt::Debug;
    /// What happened, in order.
    type Event: Clone + PartialEq + fmt::Debug;
    /// Why a move is refused.
    type Error: std::error::Error;

    /// Applies a move. A refused move returns the reason, emits nothing and
    /// leaves the machine as it was.
    fn apply(&mut self, mv: &Self::Move, sink: &mut dyn FnMut(Self::Event)) -> Result<(), Self::Error>;

    /// The move that the log `events` starts with, if its first event is the
    /// first event of a move (the events a move emits after its first, and
    /// those the protocol's rule emits by itself, start none). The machine is
    /// in the state before that move; the events after the first may be read
    /// to tell moves apart that start alike.
    fn move_of(&self, events: &[Self::Event]) -> Option<Self::Move>;
}

/// A log that does not replay.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ReplayError<E, V>
where
    E: std::error::Error,
    V: fmt::Debug,
{
    /// The event at `index` is not the first event of a move.
    #[error("event {index} does not start a move")]
    NotAMove { index: usize },
    /// The move the log records at `index` is refused by the machine.
    #[error("event {index}: the move is refused: {error}")]
    Refused { index: usize, error: E },
    /// The move produces other events than the log holds.
    #[error("event {index}: the log says {logged:?}, the move produces {produced:?}")]
    Diverged { index: usize, logged: Option<Box<V>>, produced: Option<Box<V>> },
}

/// Rebuilds a machine's state from its log: starting from `machine` as it was
/// set up, the first event of each move gives the move, which is applied
/// again and must produce exactly the logged events.
pub fn replay<M: Machine>(mut machine: M, events: &[M::Event]) -> Result<M, ReplayError<M::Error, M::Event>> {
    let mut index = 0;
    let mut produced = Vec::new();
    while index < events.len() {
        let mv = machine.move_of(&events[index..]).ok_or(ReplayError::NotAMove { index })?;
        produced.clear();
        machine.apply(&mv, &mut |e| produced.push(e)).map_err(|error| ReplayError::Refused { index, error })?;
        if produced.is_empty() {
            return Err(ReplayError::Diverged { index, logged: Some(Box::new(events[index].clone())), produced: None });
        }
        let n = produced.len();
        for (k, event) in produced.drain(..).enumerate() {
            let logged = events.get(index + k);
            if logged != Some(&event) {
                return Err(ReplayError::Diverged {
                    index: index + k,
                    logged: logged.cloned().map(Box::new),
                    produced: Some(Box::new(event)),
                });
            }
        }
        index += n;
    }
    Ok(machine)
}
