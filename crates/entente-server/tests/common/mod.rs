//! Helpers of the server's tests: a server state on a throwaway database,
//! requests through the router, the event stream read frame by frame.
#![allow(dead_code, clippy::disallowed_methods, clippy::disallowed_types)]

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use entente_server::auth::{self, Grant};
use entente_server::clock::ManualClock;
use entente_server::db::Db;
use entente_server::{AppState, app};
use entente_talks::actors::ActorRef;
use http_body_util::BodyExt;
use tower::ServiceExt;

pub const T0: i64 = 1_800_000_000_000;
pub const HOUR: i64 = 3_600_000;

/// Two unitary parties, one mediator, two clauses of two options, one
/// three-hour session with a step every 30 minutes.
pub const SMALL: &str = include_str!("../../../entente-talks/tests/fixtures/two-clauses.toml");

pub struct Fixture {
    pub state: AppState,
    pub clock: ManualClock,
    pub app: Router,
}

pub async fn fixture(database: &str) -> Fixture {
    let clock = ManualClock::new(T0);
    let db = Db::connect(database).await.unwrap_or_else(|e| panic!("{e}"));
    let state = AppState::new(db, Arc::new(clock.clone()));
    Fixture { app: app(state.clone()), state, clock }
}

impl Fixture {
    /// A token for `grant` (in `room`), valid for a day.
    pub async fn token(&self, room: Option<&str>, grant: Grant) -> String {
        auth::invite(&self.state.db, room, grant, "test", T0, 24 * HOUR).await.unwrap_or_else(|e| panic!("{e}")).0
    }

    pub async fn seat(&self, room: &str, actor: ActorRef) -> String {
        self.token(Some(room), Grant::Seat { actor }).await
    }

    pub async fn request(&self, req: Request<Body>) -> (StatusCode, HeaderMap, String) {
        let resp = self.app.clone().oneshot(req).await.unwrap_or_else(|e| match e {});
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
        (status, headers, String::from_utf8_lossy(&body).into_owned())
    }

    pub async fn get(&self, uri: &str, token: &str) -> (StatusCode, HeaderMap, String) {
        let req = Request::get(uri).header("authorization", format!("Bearer {token}")).body(Body::empty());
        self.request(req.unwrap_or_else(|e| panic!("{e}"))).await
    }

    /// A form POST signed in by cookie (as a browser sends it).
    pub async fn post_form(
        &self,
        uri: &str,
        token: &str,
        form: &str,
        origin: Option<&str>,
    ) -> (StatusCode, HeaderMap, String) {
        let mut req = Request::post(uri)
            .header("cookie", format!("entente={token}"))
            .header("host", "localhost")
            .header("content-type", "application/x-www-form-urlencoded");
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        self.request(req.body(Body::from(form.to_string())).unwrap_or_else(|e| panic!("{e}"))).await
    }

    /// The event stream of `room` for `token`: frames `(id, data)` read
    /// until `n` arrived, then whatever else arrives within `linger`.
    pub async fn sse(
        &self,
        uri: &str,
        token: &str,
        last_id: Option<u64>,
        n: usize,
        linger: Duration,
    ) -> Vec<(u64, String)> {
        let mut req = Request::get(uri).header("authorization", format!("Bearer {token}"));
        if let Some(l) = last_id {
            req = req.header("last-event-id", l.to_string());
        }
        let resp = self
            .app
            .clone()
            .oneshot(req.body(Body::empty()).unwrap_or_else(|e| panic!("{e}")))
            .await
            .unwrap_or_else(|e| match e {});
        assert_eq!(resp.status(), StatusCode::OK, "{uri}");
        read_sse(resp.into_body(), n, linger).await
    }
}

/// Reads server-sent events from `body`: `(id, data)` of each `entry` event.
pub async fn read_sse(mut body: Body, n: usize, linger: Duration) -> Vec<(u64, String)> {
    let mut frames = Vec::new();
    let mut buf = String::new();
    loop {
        let wait = if frames.len() >= n { linger } else { Duration::from_secs(10) };
        let frame = match tokio::time::timeout(wait, body.frame()).await {
            Ok(Some(Ok(f))) => f,
            Ok(_) => break,
            Err(_) => {
                assert!(frames.len() >= n, "only {} of {n} events arrived", frames.len());
                break;
            }
        };
        if let Ok(data) = frame.into_data() {
            buf.push_str(&String::from_utf8_lossy(&data));
        }
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf[..end].to_string();
            buf.drain(..end + 2);
            let mut id = None;
            let mut data = String::new();
            for l in block.lines() {
                if let Some(v) = l.strip_prefix("id:") {
                    id = v.trim().parse::<u64>().ok();
                } else if let Some(v) = l.strip_prefix("data:") {
                    data.push_str(v.strip_prefix(' ').unwrap_or(v));
                }
            }
            if let Some(id) = id {
                frames.push((id, data));
            }
        }
    }
    frames
}
