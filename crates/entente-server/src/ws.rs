//! External agents over JSON-over-WebSocket, at `/rooms/ID/agent`, signed
//! in with their seat's invitation token (`Authorization: Bearer TOKEN`).
//! The messages follow GeniusWeb's (settings, your turn, action done,
//! finished); docs/server.md describes them.
//!
//! Server → agent: `settings` once; `action_done` for every log entry the
//! seat's role may see (the same filter as the pages and the event stream),
//! each once, in order; `your_turn` whenever the seat is asked something
//! (its prompts, the moves offered, the text); `error` for a refused or
//! malformed message (nothing written); `finished` at the end.
//! Agent → server: `action` (an answer, as the round takes it, with an
//! optional reason) or `pass` (let the moment pass, in a room whose clock
//! runs on by itself).

use std::sync::Arc;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use entente_talks::actors::ActorRef;
use entente_talks::log::Role;
use entente_talks::{Answer, Prompt};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::AppState;
use crate::pages;
use crate::rooms::{Room, RoomError};
use crate::routes::AppError;

/// The largest message an agent may send.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum FromAgent {
    Action {
        answer: Answer,
        #[serde(default)]
        reason: String,
    },
    Pass,
    /// A message on a channel or a document attached to a clause.
    Post {
        post: entente_talks::sim::Post,
    },
}

pub async fn agent(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    ws: WebSocketUpgrade,
) -> Result<Response, AppError> {
    let v = crate::routes::viewer(&state, &headers).await?;
    v.check_room(&id)?;
    let room = state.room(&id).await?.ok_or(AppError::NoRoom)?;
    let actor = v.grant.actor();
    {
        let r = room.lock().await;
        if actor != ActorRef::Observer && !r.persons().contains(&actor) {
            return Err(RoomError::NotAPerson(crate::rooms::seat_name(&r.talks, actor)).into());
        }
    }
    let role = v.grant.role();
    Ok(ws
        .max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| session(socket, state, room, actor, role)))
}

fn settings(r: &Room, actor: ActorRef, role: Role) -> Value {
    let talks = &r.talks;
    let issues: Vec<Value> = talks
        .scenario
        .space
        .issues()
        .iter()
        .map(|i| {
            let values: Vec<String> = (0..i.cardinality())
                .map(|v| i.value(v as u32).map_or_else(|| v.to_string(), |x| x.to_string()))
                .collect();
            json!({ "name": i.name, "values": values })
        })
        .collect();
    json!({
        "type": "settings",
        "room": r.id,
        "name": r.name,
        "actor": actor,
        "seat": crate::rooms::seat_name(talks, actor),
        "role": role,
        "parties": talks.scenario.parties.iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
        "mediators": talks.mediators,
        "issues": issues,
        "agenda": talks.agenda,
        "channels": pages::post_channels(talks, actor)
            .into_iter()
            .filter_map(|(_, c)| serde_json::from_str::<Value>(&c).ok())
            .collect::<Vec<_>>(),
        "start": talks.start(),
        "end": talks.end(),
        "auto": r.auto,
    })
}

fn your_turn(r: &Room, actor: ActorRef, prompts: Vec<Prompt>) -> Value {
    let moves: Vec<Value> =
        pages::moves(r, actor).into_iter().filter_map(|m| serde_json::from_str(&m.answer).ok()).collect();
    let clauses: Vec<Value> = r
        .round()
        .package()
        .clauses()
        .iter()
        .map(|c| json!({ "clause": c.id.0, "title": c.title, "issue": c.issue, "state": c.state.to_string(), "brackets": c.brackets, "agreed": c.agreed }))
        .collect();
    json!({
        "type": "your_turn",
        "time": r.now(),
        "prompts": prompts,
        "moves": moves,
        "text": r.round().text(),
        "clauses": clauses,
    })
}

async fn send(socket: &mut WebSocket, v: &Value) -> bool {
    socket.send(Message::Text(v.to_string().into())).await.is_ok()
}

async fn session(mut socket: WebSocket, state: AppState, room: Arc<Mutex<Room>>, actor: ActorRef, role: Role) {
    let mut rx = { room.lock().await.subscribe() };
    let first = { settings(&*room.lock().await, actor, role) };
    if !send(&mut socket, &first).await {
        return;
    }
    let mut next = 0u64;
    let mut last_turn: Option<String> = None;
    loop {
        // What happened since: the entries this role may see, then the turn, then the end.
        let (entries, turn, finished) = {
            let r = room.lock().await;
            let entries = r.visible(role, next);
            next = r.log_len();
            let awaiting = r.awaiting(actor);
            // A turn is told once: identified by its prompts and their minutes.
            let sig = (!awaiting.is_empty()).then(|| {
                awaiting
                    .iter()
                    .map(|t| format!("{}:{}", t.time, serde_json::to_string(&t.prompt).unwrap_or_default()))
                    .collect::<Vec<_>>()
                    .join(";")
            });
            let turn = if !awaiting.is_empty() && sig != last_turn {
                last_turn = sig;
                Some(your_turn(&r, actor, awaiting.into_iter().map(|t| t.prompt).collect()))
            } else {
                if awaiting.is_empty() {
                    last_turn = None;
                }
                None
            };
            let finished = r.is_over().then(|| json!({ "type": "finished", "ending": r.round().ending() }));
            (entries, turn, finished)
        };
        for e in &entries {
            if !send(&mut socket, &json!({ "type": "action_done", "entry": e })).await {
                return;
            }
        }
        if let Some(t) = turn
            && !send(&mut socket, &t).await
        {
            return;
        }
        if let Some(f) = finished {
            let _ = send(&mut socket, &f).await;
            let _ = socket.send(Message::Close(None)).await;
            return;
        }
        tokio::select! {
            changed = rx.changed() => {
                if changed.is_err() {
                    return;
                }
            }
            msg = socket.recv() => {
                let text = match msg {
                    Some(Ok(Message::Text(t))) => t.to_string(),
                    Some(Ok(Message::Binary(_))) => {
                        let _ = send(&mut socket, &json!({ "type": "error", "error": "messages are JSON text" })).await;
                        continue;
                    }
                    Some(Ok(_)) => continue,
                    Some(Err(_)) | None => return,
                };
                let reply = handle(&state, &room, actor, &text).await;
                if let Some(err) = reply
                    && !send(&mut socket, &json!({ "type": "error", "error": err })).await
                {
                    return;
                }
            }
        }
    }
}

/// Applies an agent's message; `Some(why)` when it is refused.
async fn handle(state: &AppState, room: &Arc<Mutex<Room>>, actor: ActorRef, text: &str) -> Option<String> {
    let msg: FromAgent = match serde_json::from_str(text) {
        Ok(m) => m,
        Err(e) => return Some(format!("the message does not read: {e}")),
    };
    let mut r = room.lock().await;
    let result = match msg {
        FromAgent::Action { answer, reason } => match crate::rooms::with_reason(answer, &reason) {
            Ok(answer) => r.act(&state.db, actor, answer).await,
            Err(e) => return Some(e.to_string()),
        },
        FromAgent::Pass if r.auto => r.until_turn(&state.db, crate::rooms::AUTO_STEPS).await,
        FromAgent::Pass => return Some("only a room whose clock runs on by itself lets a seat pass".into()),
        FromAgent::Post { post } => r.post(&state.db, actor, post).await,
    };
    result.err().map(|e| e.to_string())
}
