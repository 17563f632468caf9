//! The relay between servers sharing one PostgreSQL database. Every append
//! is announced on the channel [`crate::db::CHANNEL`] in the transaction
//! that writes it (PostgreSQL delivers a NOTIFY only when its transaction
//! commits); each server LISTENs, and on an announcement by another server
//! for a room it holds in memory it catches the room up from the record
//! ([`Room::catch_up`](crate::rooms::Room::catch_up): the new inputs
//! replayed, their entries checked against the stored ones) and so wakes
//! the room's event streams and agents, which send what they have not sent,
//! with the log's sequence numbers as ids. Should the listening connection
//! drop, announcements may be lost: once it is back, every room in memory
//! is caught up. SQLite is one process: no relay.

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgListener;

use crate::AppState;
use crate::db::{Backend, CHANNEL, DbError};

/// An announcement: who appended to which room, up to which event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Announcement {
    pub instance: String,
    pub room: String,
    pub seq: i64,
}

/// Reads an announcement's payload (`INSTANCE ROOM SEQ`); `None` if it is not one.
pub fn parse(payload: &str) -> Option<Announcement> {
    let mut parts = payload.split(' ');
    let instance = parts.next()?.to_string();
    let room = parts.next()?.to_string();
    let seq = parts.next()?.parse().ok()?;
    if parts.next().is_some() || instance.is_empty() || room.is_empty() {
        return None;
    }
    Some(Announcement { instance, room, seq })
}

/// Catches room `id` up from the record if it is in memory (a room not in
/// memory is read from the record when it is first asked for).
pub async fn catch_up(state: &AppState, id: &str) {
    // The map's lock is held by a room being loaded: waiting for it here
    // means a room loaded before an append it did not read is caught up.
    let room = state.rooms.read().await.get(id).map(Arc::clone);
    if let Some(room) = room
        && let Err(e) = room.lock().await.catch_up(&state.db).await
    {
        eprintln!("entente serve: room {id} could not catch up with the record: {e}");
    }
}

async fn catch_up_all(state: &AppState) {
    let ids: Vec<String> = state.rooms.read().await.keys().cloned().collect();
    for id in ids {
        catch_up(state, &id).await;
    }
}

/// Starts relaying the other servers' appends to this server's rooms (on
/// PostgreSQL; `None` on SQLite). Listening has begun when this returns.
pub async fn spawn(state: &AppState) -> Result<Option<tokio::task::JoinHandle<()>>, DbError> {
    if state.db.backend() != Backend::Postgres {
        return Ok(None);
    }
    let mut listener = PgListener::connect(state.db.url()).await?;
    listener.listen(CHANNEL).await?;
    let state = state.clone();
    Ok(Some(tokio::spawn(async move {
        loop {
            match listener.try_recv().await {
                Ok(Some(n)) => {
                    let Some(a) = parse(n.payload()) else { continue };
                    if a.instance != state.db.instance() {
                        catch_up(&state, &a.room).await;
                    }
                }
                // The connection was lost and is back: what was announced
                // meanwhile is not known, so every room catches up.
                Ok(None) => catch_up_all(&state).await,
                Err(e) => {
                    eprintln!("entente serve: the relay's connection to PostgreSQL failed: {e}; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    catch_up_all(&state).await;
                }
            }
        }
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announcements_read_back_and_others_are_refused() {
        assert_eq!(parse("ab12 r0 17"), Some(Announcement { instance: "ab12".into(), room: "r0".into(), seq: 17 }));
        for bad in ["", "ab12", "ab12 r0", "ab12 r0 x", "ab12 r0 1 2", " r0 1"] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }
}
