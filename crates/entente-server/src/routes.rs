//! The HTTP surface: pages, forms, the event stream, the JSON API for agents.
//!
//! Every handler signs the request in ([`crate::auth`]), checks that the
//! viewer may enter the room and act in the seat, and renders only what the
//! viewer's role may see. POSTs signed in by cookie carry the CSRF token of
//! the page and, when the browser sends an `Origin`, must come from this
//! host. Request bodies are bounded ([`crate::MAX_BODY_BYTES`]).

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use entente_talks::Answer;
use entente_talks::actors::ActorRef;
use entente_talks::log::{Channel, Role, export_for};
use entente_talks::sim::{Post, PostError, TalksError};
use serde::Deserialize;
use tower_http::limit::RequestBodyLimitLayer;

use crate::auth::{self, AuthError, Grant, Viewer};
use crate::events::{self, Format};
use crate::pages::{self, ClausesFragment, IndexPage, MeasuresFragment, MessagePage};
use crate::rooms::{RoomError, is_seat, seat_name};
use crate::{AppState, MAX_BODY_BYTES, REFERENCE_TALKS};

/// The server's routes over `state`.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/join/{token}", get(join))
        .route("/rooms", post(create_room))
        .route("/rooms/{id}", get(room_page))
        .route("/rooms/{id}/clauses", get(clauses))
        .route("/rooms/{id}/clauses/{clause}", get(clause_page))
        .route("/rooms/{id}/documents", get(documents_fragment))
        .route("/rooms/{id}/post", post(post_message))
        .route("/rooms/{id}/document", post(post_document))
        .route("/api/rooms/{id}/post", post(api_post))
        .route("/rooms/{id}/events", get(event_stream))
        .route("/rooms/{id}/log.json", get(log_json))
        .route("/rooms/{id}/figure.svg", get(figure_svg))
        .route("/rooms/{id}/measures", get(measures_fragment))
        .route("/rooms/{id}/record.json", get(record_json))
        .route("/rooms/{id}/act", post(act))
        .route("/rooms/{id}/advance", post(advance))
        .route("/rooms/{id}/invite", post(invite))
        .route("/rooms/{id}/revoke", post(revoke))
        .route("/rooms/{id}/seat", post(seat))
        .route("/api/rooms/{id}/act", post(api_act))
        .route("/rooms/{id}/agent", get(crate::ws::agent))
        .route("/static/{file}", get(static_file))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .with_state(state)
}

/// An error as the browser or the agent sees it.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Room(#[from] RoomError),
    #[error("no such room")]
    NoRoom,
    #[error("this form is stale or was not sent from this site (CSRF check failed): reload the page")]
    Csrf,
    #[error("only the convener may do this")]
    NotChair,
    #[error("bad request: {0}")]
    Bad(String),
    #[error("the page could not be rendered")]
    Render(#[from] askama::Error),
    #[error("only the mediators see this")]
    MediatorsOnly,
    #[error("the measures could not be computed: {0}")]
    Measures(#[from] entente_talks::measures::MeasuresError),
    #[error("the figure could not be computed: {0}")]
    Figure(#[from] entente_talks::figure::FigureError),
    #[error("the figure could not be drawn: {0}")]
    Plot(#[from] entente_plot::PlotError),
}

impl AppError {
    fn status(&self) -> StatusCode {
        match self {
            AppError::Auth(AuthError::Missing) => StatusCode::UNAUTHORIZED,
            AppError::Auth(AuthError::Db(_)) => StatusCode::INTERNAL_SERVER_ERROR,
            AppError::Auth(_) | AppError::Csrf | AppError::NotChair | AppError::MediatorsOnly => StatusCode::FORBIDDEN,
            AppError::Room(RoomError::NotAPerson(_) | RoomError::NoSuchSeat(_)) => StatusCode::FORBIDDEN,
            AppError::Room(RoomError::Scenario(_)) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Room(
                RoomError::Strategy(_)
                | RoomError::NotATalksStrategy(_)
                | RoomError::StrategySeat(_)
                | RoomError::Drafting(_),
            ) => StatusCode::BAD_REQUEST,
            AppError::Room(RoomError::TooLarge(_)) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Room(RoomError::Talks(TalksError::Post { error, .. })) => match error {
                PostError::Channel(_) => StatusCode::FORBIDDEN,
                PostError::Over => StatusCode::CONFLICT,
                _ => StatusCode::BAD_REQUEST,
            },
            AppError::Room(RoomError::Talks(_) | RoomError::Over) => StatusCode::CONFLICT,
            AppError::Room(_)
            | AppError::Render(_)
            | AppError::Figure(_)
            | AppError::Plot(_)
            | AppError::Measures(_) => StatusCode::INTERNAL_SERVER_ERROR,
            AppError::NoRoom => StatusCode::NOT_FOUND,
            AppError::Bad(_) => StatusCode::BAD_REQUEST,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let page =
            MessagePage { title: status.canonical_reason().unwrap_or("Error").to_string(), text: self.to_string() };
        (status, Html(page.render().unwrap_or_else(|_| self.to_string()))).into_response()
    }
}

type Result<T, E = AppError> = std::result::Result<T, E>;

/// The token a request carries: `Authorization: Bearer`, else the cookie.
fn token_of(headers: &HeaderMap) -> Option<(String, bool)> {
    if let Some(t) =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "))
    {
        return Some((t.trim().to_string(), false));
    }
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|c| {
        let (k, v) = c.trim().split_once('=')?;
        (k == "entente").then(|| (v.to_string(), true))
    })
}

pub(crate) async fn viewer(state: &AppState, headers: &HeaderMap) -> Result<Viewer> {
    let Some((token, by_cookie)) = token_of(headers) else { return Err(AuthError::Missing.into()) };
    Ok(auth::sign_in(&state.db, &token, state.clock.now_ms(), by_cookie).await?)
}

/// A POST signed in by cookie must carry the page's CSRF token and, when
/// the browser names its origin, come from this host.
fn check_post(viewer: &Viewer, headers: &HeaderMap, csrf: Option<&str>) -> Result<()> {
    if !viewer.by_cookie {
        return Ok(());
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
        let origin_host = origin.split_once("://").map_or(origin, |(_, h)| h);
        if origin_host != host {
            return Err(AppError::Csrf);
        }
    }
    if csrf != Some(viewer.csrf().as_str()) {
        return Err(AppError::Csrf);
    }
    Ok(())
}

/// The seat a form names (an actor as JSON).
fn seat_of(text: &str) -> Result<ActorRef> {
    serde_json::from_str(text).map_err(|e| AppError::Bad(format!("the seat does not read: {e}")))
}

/// The viewer of a chair's form: signed in, the form checked (CSRF, origin), the convener.
async fn chair(state: &AppState, headers: &HeaderMap, csrf: Option<&str>) -> Result<Viewer> {
    let v = viewer(state, headers).await?;
    check_post(&v, headers, csrf)?;
    if !v.grant.chairs() {
        return Err(AppError::NotChair);
    }
    Ok(v)
}

async fn room_of(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
) -> Result<std::sync::Arc<tokio::sync::Mutex<crate::rooms::Room>>> {
    viewer.check_room(id)?;
    state.room(id).await?.ok_or(AppError::NoRoom)
}

async fn index(State(state): State<AppState>, headers: HeaderMap) -> Result<Response> {
    let v = match viewer(&state, &headers).await {
        Ok(v) => Some(v),
        Err(AppError::Auth(AuthError::Missing)) => None,
        Err(e) => return Err(e),
    };
    let rooms = match &v {
        Some(v) if v.grant.chairs() => state.db.rooms().await.map_err(RoomError::from)?,
        Some(v) => {
            let all = state.db.rooms().await.map_err(RoomError::from)?;
            all.into_iter().filter(|(id, _)| v.room.as_deref() == Some(id.as_str())).collect()
        }
        None => Vec::new(),
    };
    let page = IndexPage {
        signed_in: v.is_some(),
        convener: v.as_ref().is_some_and(|v| v.grant.chairs()),
        rooms,
        csrf: v.as_ref().map(Viewer::csrf).unwrap_or_default(),
        message: None,
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Deserialize)]
struct JoinQuery {
    /// The convener's landing room (`/join/TOKEN?room=ID`).
    room: Option<String>,
}

async fn join(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<JoinQuery>,
) -> Result<Response> {
    let v = auth::sign_in(&state.db, &token, state.clock.now_ms(), true).await?;
    let to = match (&v.grant, &v.room, q.room) {
        (Grant::Seat { .. }, Some(room), _) => format!("/rooms/{room}"),
        // Only a room id (hex): never a redirect elsewhere.
        (Grant::Convener, _, Some(room))
            if !room.is_empty() && room.len() <= 32 && room.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            format!("/rooms/{room}")
        }
        _ => "/".to_string(),
    };
    let cookie = format!("entente={token}; Path=/; HttpOnly; SameSite=Lax");
    let mut resp = Redirect::to(&to).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}

#[derive(Deserialize)]
struct CreateForm {
    csrf: Option<String>,
    name: String,
    #[serde(default)]
    scenario: String,
    /// Present (a checked box): the clock runs on by itself until a person is asked.
    auto: Option<String>,
}

async fn create_room(State(state): State<AppState>, headers: HeaderMap, Form(f): Form<CreateForm>) -> Result<Response> {
    chair(&state, &headers, f.csrf.as_deref()).await?;
    let name = f.name.trim();
    if name.is_empty() || name.len() > 200 {
        return Err(AppError::Bad("a room needs a name of 1 to 200 characters".into()));
    }
    let scenario = if f.scenario.trim().is_empty() { REFERENCE_TALKS } else { f.scenario.as_str() };
    let id = state.open_room(name, scenario, &[], f.auto.is_some()).await?;
    Ok(Redirect::to(&format!("/rooms/{id}")).into_response())
}

fn expiry(now_ms: i64, expires_ms: i64) -> String {
    let hours = (expires_ms - now_ms) / 3_600_000;
    if expires_ms <= now_ms { "expired".into() } else { format!("in {hours} h") }
}

async fn render_room(state: &AppState, v: &Viewer, id: &str, message: Option<String>) -> Result<String> {
    let room = room_of(state, v, id).await?;
    let invitations = if v.grant.chairs() {
        let now = state.clock.now_ms();
        let r = room.lock().await;
        state
            .db
            .invitations(Some(id))
            .await
            .map_err(RoomError::from)?
            .into_iter()
            .filter(|i| i.revoked_ms.is_none() && i.expires_ms > now)
            .map(|i| {
                let seat = serde_json::from_str::<Grant>(&i.grant_json)
                    .map(|g| seat_name(&r.talks, g.actor()))
                    .unwrap_or_default();
                (i.id, seat, expiry(now, i.expires_ms))
            })
            .collect()
    } else {
        Vec::new()
    };
    let r = room.lock().await;
    Ok(pages::room_page(&r, v, message, invitations).render()?)
}

async fn room_page(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Result<Response> {
    let v = viewer(&state, &headers).await?;
    Ok(Html(render_room(&state, &v, &id, None).await?).into_response())
}

async fn clauses(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Result<Response> {
    let v = viewer(&state, &headers).await?;
    let room = room_of(&state, &v, &id).await?;
    let r = room.lock().await;
    let f = ClausesFragment {
        room_id: id.clone(),
        now: entente_talks::sim::when(r.now()),
        status: pages::status_of(&r),
        clauses: pages::clause_rows(&r),
    };
    Ok(Html(f.render()?).into_response())
}

#[derive(Deserialize)]
struct VersionsQuery {
    from: Option<usize>,
    to: Option<usize>,
}

/// A clause's versions as the viewer's role may know them, the difference
/// between two of them, and the documents attached to it.
async fn clause_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, clause)): Path<(String, u32)>,
    Query(q): Query<VersionsQuery>,
) -> Result<Response> {
    let v = viewer(&state, &headers).await?;
    let room = room_of(&state, &v, &id).await?;
    let r = room.lock().await;
    let Some(page) = pages::clause_page(&r, v.grant.role(), clause, q.from, q.to) else {
        return Err(AppError::Bad(format!("there is no clause {clause} in this room")));
    };
    Ok(Html(page.render()?).into_response())
}

/// The documents the viewer's role may read (the room's page refreshes them live).
async fn documents_fragment(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response> {
    let v = viewer(&state, &headers).await?;
    let room = room_of(&state, &v, &id).await?;
    let r = room.lock().await;
    let visible = r.visible(v.grant.role(), 0);
    let f = pages::DocumentsFragment { documents: pages::documents(&r, &visible, None) };
    Ok(Html(f.render()?).into_response())
}

#[derive(Deserialize)]
struct PostForm {
    csrf: Option<String>,
    /// The channel, as JSON (`{"channel":"caucus","party":0}`).
    to: String,
    #[serde(default)]
    text: String,
}

#[derive(Deserialize)]
struct DocumentForm {
    csrf: Option<String>,
    clause: u32,
    to: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

fn channel_of(to: &str) -> Result<Channel> {
    serde_json::from_str(to).map_err(|e| AppError::Bad(format!("the channel does not read: {e}")))
}

/// Applies a person's post from a form: back to the room, or the room's
/// page with the reason it was refused (nothing written).
async fn post_from_form(
    state: &AppState,
    headers: &HeaderMap,
    id: &str,
    csrf: Option<&str>,
    post: Post,
) -> Result<Response> {
    let v = viewer(state, headers).await?;
    check_post(&v, headers, csrf)?;
    let room = room_of(state, &v, id).await?;
    let result = room.lock().await.post(&state.db, v.grant.actor(), post).await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/rooms/{id}")).into_response()),
        Err(e) => {
            let e = AppError::from(e);
            let status = e.status();
            let page = render_room(state, &v, id, Some(e.to_string())).await?;
            Ok((status, Html(page)).into_response())
        }
    }
}

async fn post_message(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<PostForm>,
) -> Result<Response> {
    let post = Post::Message { to: channel_of(&f.to)?, text: f.text };
    post_from_form(&state, &headers, &id, f.csrf.as_deref(), post).await
}

async fn post_document(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<DocumentForm>,
) -> Result<Response> {
    let post = Post::Document {
        clause: entente_protocols::package::ClauseId(f.clause),
        to: channel_of(&f.to)?,
        title: f.title,
        body: f.body,
    };
    post_from_form(&state, &headers, &id, f.csrf.as_deref(), post).await
}

/// An agent's message or document: a `Post` as JSON with `Authorization: Bearer TOKEN`.
async fn api_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response> {
    let v = viewer(&state, &headers).await?;
    if v.by_cookie {
        return Err(AppError::Bad("the API is for agents: send Authorization: Bearer TOKEN".into()));
    }
    let post: Post =
        serde_json::from_slice(&body).map_err(|e| AppError::Bad(format!("the post does not read: {e}")))?;
    let room = room_of(&state, &v, &id).await?;
    let mut r = room.lock().await;
    let result = r.post(&state.db, v.grant.actor(), post).await;
    Ok(api_answer(result.map(|()| serde_json::json!({ "ok": true, "log_len": r.log_len() }))))
}

/// The JSON answer of an API call: `body`, or the refusal's status and reason (`{"ok": false, "error"}`).
fn api_answer(result: std::result::Result<serde_json::Value, RoomError>) -> Response {
    let (status, body) = match result {
        Ok(body) => (StatusCode::OK, body),
        Err(e) => {
            let e = AppError::from(e);
            (e.status(), serde_json::json!({ "ok": false, "error": e.to_string() }))
        }
    };
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

#[derive(Deserialize)]
struct StreamQuery {
    after: Option<u64>,
    format: Option<String>,
}

async fn event_stream(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<StreamQuery>,
) -> Result<Response> {
    let v = viewer(&state, &headers).await?;
    let room = room_of(&state, &v, &id).await?;
    // The last id the client got: the header (a reconnecting EventSource) wins over the query.
    let last = headers
        .get("last-event-id")
        .and_then(|h| h.to_str().ok())
        .and_then(|s| s.trim().parse::<u64>().ok())
        .or(q.after);
    let from = last.map_or(0, |l| l.saturating_add(1));
    let format = if q.format.as_deref() == Some("json") { Format::Json } else { Format::Html };
    Ok(events::stream(room, v.grant.role(), from, format).await.into_response())
}

async fn log_json(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Result<Response> {
    let v = viewer(&state, &headers).await?;
    let room = room_of(&state, &v, &id).await?;
    let r = room.lock().await;
    let entries = export_for(r.round().log(), v.grant.role());
    let body = serde_json::json!({ "room": id, "role": v.grant.role(), "entries": entries });
    Ok(([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response())
}

/// The talks figure of the room so far (`entente talks --plot`'s figure),
/// drawn from what the viewer's role may see: a delegation its own scores and
/// blocs, the mediators what was confided to them, an observer the public
/// record.
async fn figure_svg(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Result<Response> {
    let v = viewer(&state, &headers).await?;
    let room = room_of(&state, &v, &id).await?;
    let r = room.lock().await;
    let figure = entente_talks::figure::live_figure(&r.talks, r.round(), r.now(), Some(v.grant.role()))?;
    let svg = entente_plot::render_talks(&figure)?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "no-store")], svg).into_response())
}

/// The stalling measures of the round so far (closure, backtracking,
/// reopenings, items tabled, the stall index; with the step classes and
/// distances when every party confided its preferences to the mediators),
/// for the mediators only.
async fn measures_fragment(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response> {
    let v = viewer(&state, &headers).await?;
    if v.grant.role() != Role::Mediator {
        return Err(AppError::MediatorsOnly);
    }
    let room = room_of(&state, &v, &id).await?;
    let mut r = room.lock().await;
    let assessment = r.assessment(&state.db).await?;
    let talks = &r.talks;
    let confided = talks.all_confide();
    let m = entente_talks::measures::so_far(talks, r.round(), r.now(), confided)?;
    let f = MeasuresFragment {
        now: entente_talks::sim::when(r.now()),
        confided,
        text: entente_talks::measures::measures_text(&m, talks),
        assessment,
        standing: confided.then(|| pages::standing_text(&r)),
    };
    Ok(Html(f.render()?).into_response())
}

/// The room's whole record, hash chain included (the convener only: it
/// holds every channel). `entente verify-log` checks it.
async fn record_json(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Result<Response> {
    let v = viewer(&state, &headers).await?;
    if !v.grant.chairs() {
        return Err(AppError::NotChair);
    }
    room_of(&state, &v, &id).await?;
    let events = state.db.events(&id).await.map_err(RoomError::from)?;
    let body = serde_json::to_string(&events).unwrap_or_default();
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

#[derive(Deserialize)]
struct ActForm {
    csrf: Option<String>,
    answer: String,
    #[serde(default)]
    reason: String,
}

/// The answer a form or a message carries, with the person's reason.
fn parse_answer(answer: &str, reason: &str) -> Result<Answer> {
    let a: Answer = serde_json::from_str(answer).map_err(|e| AppError::Bad(format!("the move does not read: {e}")))?;
    crate::rooms::with_reason(a, reason).map_err(|e| AppError::Bad(e.to_string()))
}

async fn act(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<ActForm>,
) -> Result<Response> {
    let v = viewer(&state, &headers).await?;
    check_post(&v, &headers, f.csrf.as_deref())?;
    let answer = parse_answer(&f.answer, &f.reason)?;
    let room = room_of(&state, &v, &id).await?;
    let result = room.lock().await.act(&state.db, v.grant.actor(), answer).await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/rooms/{id}")).into_response()),
        Err(e) => {
            let e = AppError::from(e);
            let status = e.status();
            let page = render_room(&state, &v, &id, Some(e.to_string())).await?;
            Ok((status, Html(page)).into_response())
        }
    }
}

#[derive(Deserialize)]
struct ApiAct {
    answer: Answer,
    #[serde(default)]
    reason: String,
}

/// An agent's move: `{"answer": …, "reason": "…"}` with `Authorization: Bearer TOKEN`.
async fn api_act(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response> {
    let v = viewer(&state, &headers).await?;
    if v.by_cookie {
        return Err(AppError::Bad("the API is for agents: send Authorization: Bearer TOKEN".into()));
    }
    let m: ApiAct = serde_json::from_slice(&body).map_err(|e| AppError::Bad(format!("the move does not read: {e}")))?;
    let answer = crate::rooms::with_reason(m.answer, &m.reason).map_err(|e| AppError::Bad(e.to_string()))?;
    let room = room_of(&state, &v, &id).await?;
    let mut r = room.lock().await;
    let from = r.log_len();
    let result = r.act(&state.db, v.grant.actor(), answer).await;
    // The move's entries (and those of the clock running on after it): `from` to `log_len`.
    Ok(api_answer(result.map(|()| serde_json::json!({ "ok": true, "from": from, "log_len": r.log_len() }))))
}

#[derive(Deserialize)]
struct AdvanceForm {
    csrf: Option<String>,
    mode: String,
}

async fn advance(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<AdvanceForm>,
) -> Result<Response> {
    let v = viewer(&state, &headers).await?;
    check_post(&v, &headers, f.csrf.as_deref())?;
    let room = room_of(&state, &v, &id).await?;
    let mut r = room.lock().await;
    // The chair moves the clock; in a room whose clock runs by itself, a
    // person may also let the moment pass.
    let may_pass = r.auto && r.persons().contains(&v.grant.actor()) && f.mode == "turn";
    if !(v.grant.chairs() || may_pass) {
        return Err(AppError::NotChair);
    }
    match f.mode.as_str() {
        "next" => r.next(&state.db).await?,
        "turn" => r.until_turn(&state.db, 100_000).await?,
        other => return Err(AppError::Bad(format!("unknown mode {other:?}: next or turn"))),
    }
    Ok(Redirect::to(&format!("/rooms/{id}")).into_response())
}

#[derive(Deserialize)]
struct InviteForm {
    csrf: Option<String>,
    seat: String,
    hours: i64,
}

async fn invite(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<InviteForm>,
) -> Result<Response> {
    let v = chair(&state, &headers, f.csrf.as_deref()).await?;
    if !(1..=720).contains(&f.hours) {
        return Err(AppError::Bad("an invitation is valid for 1 to 720 hours".into()));
    }
    let actor = seat_of(&f.seat)?;
    let room = room_of(&state, &v, &id).await?;
    let name = {
        let mut r = room.lock().await;
        if !is_seat(&r.talks, actor) {
            return Err(RoomError::NoSuchSeat(format!("{actor:?}")).into());
        }
        if actor != ActorRef::Observer && !r.persons().contains(&actor) {
            r.seat(&state.db, actor, true).await?;
        }
        seat_name(&r.talks, actor)
    };
    let now = state.clock.now_ms();
    let (token, _) = auth::invite(&state.db, Some(&id), Grant::Seat { actor }, &name, now, f.hours * 3_600_000)
        .await
        .map_err(RoomError::from)?;
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let page = MessagePage {
        title: format!("Invitation for {name}"),
        text: format!("Send this link to the person who takes the seat (it is shown once): http://{host}/join/{token}"),
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Deserialize)]
struct SeatForm {
    csrf: Option<String>,
    seat: String,
    /// "person", "agent" or "strategy".
    to: String,
    /// With `to=strategy`: its name.
    #[serde(default)]
    strategy: Option<String>,
}

/// The chair gives a seat back to its agent (the simulated participant) or to a person.
async fn seat(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<SeatForm>,
) -> Result<Response> {
    let v = chair(&state, &headers, f.csrf.as_deref()).await?;
    let actor = seat_of(&f.seat)?;
    let room = room_of(&state, &v, &id).await?;
    let mut r = room.lock().await;
    match f.to.as_str() {
        "person" => r.seat(&state.db, actor, true).await?,
        "agent" => r.seat(&state.db, actor, false).await?,
        "strategy" => {
            let name = f.strategy.as_deref().unwrap_or("").trim();
            if name.is_empty() {
                return Err(AppError::Bad("a seat given to a strategy needs the strategy's name".into()));
            }
            r.seat_strategy(&state.db, actor, name).await?
        }
        other => {
            return Err(AppError::Bad(format!("a seat goes to a person, an agent or a strategy, not {other:?}")));
        }
    }
    Ok(Redirect::to(&format!("/rooms/{id}")).into_response())
}

#[derive(Deserialize)]
struct RevokeForm {
    csrf: Option<String>,
    id: String,
}

async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<RevokeForm>,
) -> Result<Response> {
    chair(&state, &headers, f.csrf.as_deref()).await?;
    if !state.db.revoke(&f.id, &id, state.clock.now_ms()).await.map_err(RoomError::from)? {
        return Err(AppError::Bad("no such invitation to revoke".into()));
    }
    Ok(Redirect::to(&format!("/rooms/{id}")).into_response())
}

async fn static_file(Path(file): Path<String>) -> Response {
    let (body, kind): (&'static str, &str) = match file.as_str() {
        "htmx.min.js" => (include_str!("../static/htmx.min.js"), "text/javascript"),
        "htmx-ext-sse.min.js" => (include_str!("../static/htmx-ext-sse.min.js"), "text/javascript"),
        _ => return (StatusCode::NOT_FOUND, "no such file").into_response(),
    };
    ([(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, "public, max-age=86400")], body).into_response()
}
