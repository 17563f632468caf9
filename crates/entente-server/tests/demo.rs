//! The demo room (`entente serve --demo`): the reference case, agents in
//! every seat but the first delegation's, negotiated to its end by a
//! person's clicks — every move a form posted as the browser posts it.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use entente_server::auth::csrf_of;
use entente_server::clock::ManualClock;
use entente_server::{Config, app, start};
use entente_talks::Prompt;
use entente_talks::actors::ActorRef;
use http_body_util::BodyExt;
use tower::ServiceExt;

fn unescape(s: &str) -> String {
    s.replace("&#34;", "\"").replace("&#39;", "'").replace("&#60;", "<").replace("&#62;", ">").replace("&#38;", "&")
}

/// The buttons of the page's moves form: `(label, answer)`.
fn buttons(page: &str) -> Vec<(String, String)> {
    page.match_indices("<button type=\"submit\" name=\"answer\" value=\"")
        .filter_map(|(i, m)| {
            let rest = &page[i + m.len()..];
            let (value, rest) = rest.split_once("\">")?;
            let (label, _) = rest.split_once("</button>")?;
            Some((unescape(label), unescape(value)))
        })
        .collect()
}

fn enc(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[tokio::test]
async fn the_demo_room_is_negotiated_to_adoption_by_a_persons_clicks() {
    let config = Config { database: "sqlite::memory:".into(), listen: "127.0.0.1:0".into(), demo: true };
    let (started, _listener, state) =
        start(&config, Arc::new(ManualClock::new(common::T0))).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(started.convener_link.is_some(), "a new database: the convener's first link");
    let Some((room, link)) = started.demo.clone() else { panic!("no demo room") };
    let token = link.rsplit('/').next().unwrap_or_default().to_string();
    let router = app(state.clone());
    let send = |req: Request<Body>| {
        let router = router.clone();
        async move {
            let resp = router.oneshot(req).await.unwrap_or_else(|e| match e {});
            let status = resp.status();
            let body = resp.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
            (status, String::from_utf8_lossy(&body).into_owned())
        }
    };
    let cookie = format!("entente={token}");
    let csrf = csrf_of(&token);
    let mut clicks = 0;
    let mut agreed = 0;
    for _ in 0..400 {
        let req = Request::get(format!("/rooms/{room}")).header("cookie", &cookie).body(Body::empty());
        let (status, page) = send(req.unwrap_or_else(|e| panic!("{e}"))).await;
        assert_eq!(status.as_u16(), 200);
        if !page.contains("<strong id=\"status\">negotiating</strong>")
            && !page.contains("<strong id=\"status\">final vote open</strong>")
        {
            break;
        }
        // A cooperative delegation: agrees to what the mediators put to it, votes yes, else lets the moment pass.
        let r = state.room(&room).await.ok().flatten().unwrap_or_else(|| panic!("no room"));
        let asked: Vec<Prompt> = r.lock().await.awaiting(ActorRef::Party(0)).into_iter().map(|t| t.prompt).collect();
        let bs = buttons(&page);
        let choice = asked.iter().find_map(|p| match p {
            Prompt::Vote => bs.iter().find(|b| b.0 == "Vote yes"),
            Prompt::Proposal { clause, option } => bs.iter().find(|b| {
                b.1.contains("\"agree_ad_ref\"")
                    && b.1.contains(&format!("\"clause\":{},\"option\":{}", clause.0, option))
            }),
            _ => None,
        });
        let form = match choice {
            Some((label, answer)) => {
                if label.starts_with("Agree") {
                    agreed += 1;
                }
                (format!("/rooms/{room}/act"), format!("csrf={csrf}&answer={}", enc(answer)))
            }
            None => (format!("/rooms/{room}/advance"), format!("csrf={csrf}&mode=turn")),
        };
        let req = Request::post(&form.0)
            .header("cookie", &cookie)
            .header("host", "localhost")
            .header("origin", "http://localhost")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(form.1));
        let (status, page) = send(req.unwrap_or_else(|e| panic!("{e}"))).await;
        assert!(status.as_u16() == 303 || status.as_u16() == 409, "{status}: {page}");
        clicks += 1;
    }
    let r = state.room(&room).await.ok().flatten().unwrap_or_else(|| panic!("no room"));
    let r = r.lock().await;
    assert!(agreed > 0, "the person never agreed to anything");
    let ending = r.round().ending().cloned();
    assert!(
        matches!(ending, Some(entente_talks::sim::Ending::Adopted { .. })),
        "after {clicks} clicks ({agreed} agreements): {ending:?}"
    );
    // The person's moves are in the record as moves of its own.
    assert!(r.round().turns().iter().any(|t| t.actor == ActorRef::Party(0) && t.prompt == Prompt::Initiative));
}
