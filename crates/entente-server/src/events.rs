//! Server-sent events: a room's log entries, live, each with its sequence
//! number as the event id, filtered by the viewer's role on the server
//! ([`crate::rooms::visible`]). A client that reconnects sends the last id
//! it got (`Last-Event-ID`, or `?after=N`) and is sent what it missed, each
//! entry once.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use askama::Template;
use axum::response::sse::{Event, KeepAlive, Sse};
use entente_talks::actors::Actors;
use entente_talks::log::{LogEntry, Role};
use futures_util::stream::{self, Stream, StreamExt};
use tokio::sync::Mutex;

use crate::pages::{LineFragment, line};
use crate::rooms::Room;

/// The most entries a stream takes from the log at once: a client far
/// behind (a reconnection, a slow reader) is sent the log in batches, as its
/// connection takes them; nothing else is held for it.
pub const MAX_BATCH: usize = 64;

/// How an entry is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// An HTML fragment (`<li>`) for the page.
    Html,
    /// The entry as JSON (`LogEntry`), for programs.
    Json,
}

fn event(room: &Room, actors: &Actors, e: &LogEntry, format: Format) -> Event {
    let data = match format {
        Format::Json => serde_json::to_string(e).unwrap_or_default(),
        Format::Html => {
            let l = line(&room.talks, actors, e);
            LineFragment { line: &l }.render().unwrap_or_default()
        }
    };
    Event::default().id(e.seq.to_string()).event("entry").data(data)
}

/// The stream of `role`'s entries of `room` from sequence number `from` on.
pub async fn stream(
    room: Arc<Mutex<Room>>,
    role: Role,
    from: u64,
    format: Format,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let (rx, actors) = {
        let r = room.lock().await;
        (r.subscribe(), Actors::of(&r.talks))
    };
    let s = stream::unfold((room, rx, from, actors), move |(room, mut rx, mut next, actors)| async move {
        loop {
            let (batch, upto) = {
                let r = room.lock().await;
                let entries = r.round().log().entries();
                let start = usize::try_from(next).unwrap_or(usize::MAX).min(entries.len());
                let mut batch = Vec::new();
                let mut upto = entries.len() as u64;
                for (k, e) in entries.iter().enumerate().skip(start) {
                    if batch.len() == MAX_BATCH {
                        upto = k as u64;
                        break;
                    }
                    if role.may_see(&e.visibility) {
                        batch.push(event(&r, &actors, e, format));
                    }
                }
                (batch, upto)
            };
            next = next.max(upto);
            if !batch.is_empty() {
                let items = stream::iter(batch.into_iter().map(Ok::<Event, Infallible>));
                return Some((items, (room, rx, next, actors)));
            }
            // Nothing new this role may see: wait for the log to grow past
            // what was read (a change made since the read is seen at once).
            if *rx.borrow_and_update() > next {
                continue;
            }
            if rx.changed().await.is_err() {
                return None;
            }
        }
    })
    .flatten();
    Sse::new(s).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
