//! `entente verify-log`: checks a record — a database, or an export of its
//! events — link by link, then replays every room through the machines.

use crate::chain::{self, StoredEvent};
use crate::db::{Db, DbError};
use crate::rooms::{Room, RoomError};

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("the export does not read as events (a JSON array, or one JSON event per line): {0}")]
    Export(String),
    #[error("{0}")]
    Broken(#[from] chain::BrokenLink),
    #[error("room {room}: {source}")]
    Replay { room: String, source: Box<RoomError> },
}

/// What a check found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    pub events: usize,
    pub rooms: usize,
}

/// Reads an export: a JSON array of events, or one event per line.
pub fn parse_export(text: &str) -> Result<Vec<StoredEvent>, VerifyError> {
    if text.trim_start().starts_with('[') {
        return serde_json::from_str(text).map_err(|e| VerifyError::Export(e.to_string()));
    }
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| VerifyError::Export(format!("line {}: {e}", i + 1))))
        .collect()
}

/// Checks events (of any number of rooms, each room's in order): the chain,
/// then each room's replay.
pub fn verify_events(mut events: Vec<StoredEvent>) -> Result<Verified, VerifyError> {
    // Rooms in turn, each in sequence order, as stored (a stable sort keeps an export's order within a room).
    events.sort_by(|a, b| a.room.cmp(&b.room));
    chain::verify(&events)?;
    let mut rooms = 0;
    for group in events.chunk_by(|a, b| a.room == b.room) {
        rooms += 1;
        Room::replay(group)
            .map_err(|source| VerifyError::Replay { room: group[0].room.clone(), source: Box::new(source) })?;
    }
    Ok(Verified { events: events.len(), rooms })
}

/// Checks the record of the database at `url`.
pub async fn verify_database(url: &str) -> Result<Verified, VerifyError> {
    let db = Db::open(url).await?;
    verify_events(db.all_events().await?)
}
