//! entente-server: live talks. Rooms set up from a talks scenario, seats
//! held by persons (invited with revocable, expiring links) or by agents,
//! the round driven by the same machines as the simulator, every change
//! streamed live to the browsers that may see it, and the record kept
//! append-only and hash-chained in the database.
//!
//! Modules: [`db`] (SQLite or PostgreSQL, migrations, append-only events),
//! [`chain`] (the hash chain and its check), [`auth`] (invitations, sign-in,
//! CSRF), [`rooms`] (a room's round, its inputs, replay), `routes` (the
//! HTTP surface, [`app`]), `events` (server-sent events), `ws` (agents over
//! WebSocket), [`pages`] (HTML),
//! [`relay`] (servers sharing one PostgreSQL database), [`conn`] (slow
//! clients).
//!
//! The server is a top crate: it reads the clock (through [`clock::Clock`],
//! injectable for tests) and serves sockets.

pub mod auth;
pub mod chain;
pub mod clock;
pub mod conn;
pub mod db;
mod events;
pub mod history;
pub mod pages;
pub mod relay;
pub mod rooms;
mod routes;
pub mod verify;
mod ws;

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::{Mutex, RwLock};

pub use routes::app;

/// The reference case, the room `--demo` opens.
pub const REFERENCE_TALKS: &str = include_str!("../../../scenarios/istanbul-2025.toml");

/// How long a first sign-in link of the convener stays valid.
pub const CONVENER_LINK_MS: i64 = 7 * 24 * 3600 * 1000;

/// The largest request body accepted (a scenario file and some margin).
pub const MAX_BODY_BYTES: usize = 512 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Db(#[from] db::DbError),
    #[error(transparent)]
    Room(#[from] rooms::RoomError),
    #[error("cannot listen on {addr}: {source}")]
    Listen { addr: String, source: std::io::Error },
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
}

/// The server's shared state, passed to every handler.
#[derive(Clone)]
pub struct AppState {
    pub db: db::Db,
    pub clock: Arc<dyn clock::Clock>,
    pub rooms: Arc<RwLock<HashMap<String, Arc<Mutex<rooms::Room>>>>>,
}

impl AppState {
    pub fn new(db: db::Db, clock: Arc<dyn clock::Clock>) -> AppState {
        AppState { db, clock, rooms: Arc::new(RwLock::new(HashMap::new())) }
    }

    /// Room `id`, loaded from the database (replayed) on first use.
    pub async fn room(&self, id: &str) -> Result<Option<Arc<Mutex<rooms::Room>>>, rooms::RoomError> {
        if let Some(r) = self.rooms.read().await.get(id) {
            return Ok(Some(Arc::clone(r)));
        }
        let mut all = self.rooms.write().await;
        if let Some(r) = all.get(id) {
            return Ok(Some(Arc::clone(r)));
        }
        match rooms::Room::load(&self.db, id).await {
            Ok(room) => {
                let room = Arc::new(Mutex::new(room));
                all.insert(id.to_string(), Arc::clone(&room));
                Ok(Some(room))
            }
            Err(rooms::RoomError::Empty(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Opens a new room and keeps it in memory.
    pub async fn open_room(
        &self,
        name: &str,
        scenario: &str,
        persons: &[entente_talks::actors::ActorRef],
        auto: bool,
    ) -> Result<String, rooms::RoomError> {
        let id = auth::new_id();
        let room = rooms::Room::create(&self.db, &id, name, scenario, persons, auto, self.clock.now_ms()).await?;
        self.rooms.write().await.insert(id.clone(), Arc::new(Mutex::new(room)));
        Ok(id)
    }
}

/// What `serve` is told.
#[derive(Clone, Debug)]
pub struct Config {
    /// `sqlite:FILE`, `sqlite::memory:` or `postgres://…`.
    pub database: String,
    /// Address to listen on, e.g. `127.0.0.1:8080`.
    pub listen: String,
    /// Open the reference case with agents in every seat but one delegation's.
    pub demo: bool,
}

/// What a started server tells its caller.
#[derive(Clone, Debug)]
pub struct Started {
    pub url: String,
    /// The convener's first sign-in link (a new database only).
    pub convener_link: Option<String>,
    /// With `--demo`: the demo room and the link of its one person's seat.
    pub demo: Option<(String, String)>,
}

/// Binds, prepares the database, and returns the server's future with what
/// to print. The future runs until `shutdown` resolves.
pub async fn start(
    config: &Config,
    clock: Arc<dyn clock::Clock>,
) -> Result<(Started, tokio::net::TcpListener, AppState), ServerError> {
    let db = db::Db::connect(&config.database).await?;
    let state = AppState::new(db, clock);
    // Other servers on the same PostgreSQL database: their appends reach this one's rooms.
    relay::spawn(&state).await?;
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .map_err(|source| ServerError::Listen { addr: config.listen.clone(), source })?;
    let addr = listener.local_addr()?;
    let url = format!("http://{addr}");
    let now = state.clock.now_ms();
    let convener_link = if state.db.invitations(None).await?.is_empty() {
        let (token, _) =
            auth::invite(&state.db, None, auth::Grant::Convener, "convener", now, CONVENER_LINK_MS).await?;
        Some(format!("{url}/join/{token}"))
    } else {
        None
    };
    let demo = if config.demo {
        let person = entente_talks::actors::ActorRef::Party(0);
        let id = state.open_room("Reference case (demo)", REFERENCE_TALKS, &[person], true).await?;
        let (token, _) =
            auth::invite(&state.db, Some(&id), auth::Grant::Seat { actor: person }, "demo", now, CONVENER_LINK_MS)
                .await?;
        Some((id, format!("{url}/join/{token}")))
    } else {
        None
    };
    Ok((Started { url, convener_link, demo }, listener, state))
}

/// Serves `state` on `listener` until `shutdown` resolves (slow clients
/// dropped as [`conn::ServeOptions::default`] says).
pub async fn run(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    run_with(listener, state, conn::ServeOptions::default(), shutdown).await
}

/// [`run`] with the given treatment of slow clients.
pub async fn run_with(
    listener: tokio::net::TcpListener,
    state: AppState,
    options: conn::ServeOptions,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let listener = conn::GuardedListener { inner: listener, options };
    axum::serve(listener, app(state)).with_graceful_shutdown(shutdown).await?;
    Ok(())
}
