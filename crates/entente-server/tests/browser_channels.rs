//! Channels in real browsers (headless Chromium through chromedriver): the
//! mediators type a note for themselves and a note in confidence to
//! delegation A, and attach a dossier for the mediators, through the page's
//! forms; delegation A speaks in its caucus and in public. Delegation B's
//! page, left open, shows A's public statement live and never any of the
//! private ones, nor after a reload, nor on the clause's page; the
//! mediators' page never shows A's caucus.
//! Without chromedriver the test prints SKIPPED (and fails when CI=true).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::*;
use entente_server::auth::{Grant, csrf_of};
use entente_talks::actors::ActorRef;
use entente_talks::log::Channel;
use fantoccini::{Client, ClientBuilder, Locator};

fn chromedriver() -> Option<String> {
    for c in ["chromedriver", "/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"] {
        if Command::new(c).arg("--version").output().is_ok_and(|o| o.status.success()) {
            return Some(c.to_string());
        }
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("chromedriver is missing, and CI=true requires the browser tests");
    }
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "SKIPPED: the browser tests: chromedriver not found");
    None
}

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn browser(port: u16, profile: &std::path::Path) -> Client {
    let mut caps = serde_json::Map::new();
    let args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
        .iter()
        .map(|s| s.to_string())
        .chain([format!("--user-data-dir={}", profile.display())])
        .collect::<Vec<_>>();
    caps.insert("goog:chromeOptions".into(), serde_json::json!({ "args": args }));
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let mut last = None;
    for _ in 0..50 {
        match ClientBuilder::new(connector.clone())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => return c,
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("no browser session: {last:?}")
}

async fn text(c: &Client, css: &str) -> String {
    match c.find(Locator::Css(css)).await {
        Ok(e) => e.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// Waits (up to 5 s) until `css`'s text contains `what`; its last text.
async fn until(c: &Client, css: &str, what: &str) -> String {
    let mut seen = String::new();
    for _ in 0..50 {
        seen = text(c, css).await;
        if seen.contains(what) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    seen
}

fn ok<T, E: std::fmt::Debug>(r: Result<T, E>) -> T {
    r.unwrap_or_else(|e| panic!("{e:?}"))
}

/// Fills the post form in `c`'s page: channel by its label, then the text, then posts.
async fn post(c: &Client, channel: &str, message: &str) {
    ok(ok(c.find(Locator::Css("#post-to")).await).select_by_label(channel).await);
    ok(ok(c.find(Locator::Css("#post-text")).await).send_keys(message).await);
    ok(ok(c.find(Locator::XPath("//button[normalize-space(.)='Post the message']")).await).click().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_channels_stay_private_in_the_browser_live_and_after_a_reload() {
    let Some(exe) = chromedriver() else { return };
    let port = 9515 + 700 + (std::process::id() % 300) as u16;
    let _driver =
        Driver(ok(Command::new(exe).arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null()).spawn()));
    let f = fixture("sqlite::memory:").await;
    let (m, a, b) = (ActorRef::Mediator(0), ActorRef::Party(0), ActorRef::Party(1));
    let id = ok(f.state.open_room("channels", SMALL, &[m, a, b], false).await);
    let convener = f.token(None, Grant::Convener).await;
    let b_token = f.seat(&id, b).await;
    let a_token = f.seat(&id, a).await;
    let listener = ok(tokio::net::TcpListener::bind("127.0.0.1:0").await);
    let base = format!("http://{}", ok(listener.local_addr()));
    let server = tokio::spawn(axum::serve(listener, f.app.clone()).into_future());
    let dir = std::env::temp_dir().join(format!("entente-browser-channels-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mediators = browser(port, &dir.join("m")).await;
    let bb = browser(port, &dir.join("b")).await;
    ok(mediators.goto(&format!("{base}/join/{convener}?room={id}")).await);
    ok(bb.goto(&format!("{base}/join/{b_token}")).await);
    assert!(text(&bb, "h1").await.contains("channels"), "B is not in the room");

    // The mediators, by the page's forms.
    let secret = "M only: B will move on b by noon";
    let confided = "To A in confidence: hold on a";
    post(&mediators, "mediators only", secret).await;
    assert!(until(&mediators, "#log", secret).await.contains(secret), "the mediators' note is not on their page");
    post(&mediators, "A and the mediators, in confidence", confided).await;
    assert!(until(&mediators, "#log", confided).await.contains(confided));
    ok(ok(mediators.find(Locator::Css("#doc-clause")).await).select_by_label("0. a").await);
    ok(ok(mediators.find(Locator::Css("#doc-to")).await).select_by_label("mediators only").await);
    ok(ok(mediators.find(Locator::Css("#doc-title")).await).send_keys("Dossier on a").await);
    ok(ok(mediators.find(Locator::Css("#doc-body")).await).send_keys("Satellite pictures of the crossing").await);
    ok(ok(mediators.find(Locator::XPath("//button[normalize-space(.)='Attach the document']")).await).click().await);
    assert!(until(&mediators, "#documents", "Satellite pictures").await.contains("Satellite pictures"));

    // Delegation A (its forms, posted as its browser would): its caucus, then in public.
    let caucus = "A's caucus: we give in on b";
    let public = "A welcomes the mediators' effort";
    for (to, text_) in [(Channel::Caucus { party: 0 }, caucus), (Channel::Public, public)] {
        let enc = |s: &str| s.bytes().map(|b| format!("%{b:02X}")).collect::<String>();
        let form = format!(
            "csrf={}&to={}&text={}",
            csrf_of(&a_token),
            enc(&serde_json::to_string(&to).unwrap_or_default()),
            enc(text_)
        );
        let (status, _, body) = f.post_form(&format!("/rooms/{id}/post"), &a_token, &form, None).await;
        assert_eq!(status.as_u16(), 303, "{body}");
    }

    // B's page, left open: A's public statement arrives live; nothing private does.
    let live = until(&bb, "#log", public).await;
    assert!(live.contains(public), "A's statement did not reach B live: {live}");
    // A tables a document for all: B's documents, not reloaded, show it.
    let enc = |s: &str| s.bytes().map(|b| format!("%{b:02X}")).collect::<String>();
    let form = format!(
        "csrf={}&clause=1&to={}&title={}&body={}",
        csrf_of(&a_token),
        enc(&serde_json::to_string(&Channel::Public).unwrap_or_default()),
        enc("Tabled map"),
        enc("The line as A draws it")
    );
    let (status, _, body) = f.post_form(&format!("/rooms/{id}/document"), &a_token, &form, None).await;
    assert_eq!(status.as_u16(), 303, "{body}");
    let docs = until(&bb, "#docs", "The line as A draws it").await;
    assert!(docs.contains("Tabled map"), "A's tabled document did not reach B live: {docs}");
    let private = [secret, confided, caucus, "Dossier on a", "Satellite pictures"];
    let source = ok(bb.source().await);
    for p in private {
        assert!(!source.contains(p), "B's page shows {p:?}");
    }
    // Reloaded, and on the clause's page.
    ok(bb.refresh().await);
    ok(bb.goto(&format!("{base}/rooms/{id}")).await);
    let source = ok(bb.source().await);
    assert!(source.contains(public));
    for p in private {
        assert!(!source.contains(p), "B's page, reloaded, shows {p:?}");
    }
    ok(bb.goto(&format!("{base}/rooms/{id}/clauses/0")).await);
    let source = ok(bb.source().await);
    assert!(source.contains("Versions"), "{source}");
    for p in private {
        assert!(!source.contains(p), "B's clause page shows {p:?}");
    }
    // The mediators: A's public statement live, never its caucus; the dossier on the clause's page.
    assert!(until(&mediators, "#log", public).await.contains(public));
    assert!(!ok(mediators.source().await).contains(caucus), "the mediators read A's caucus");
    ok(mediators.goto(&format!("{base}/rooms/{id}/clauses/0")).await);
    assert!(text(&mediators, "#documents").await.contains("Satellite pictures"));
    let _ = mediators.close().await;
    let _ = bb.close().await;
    server.abort();
    let _ = std::fs::remove_dir_all(&dir);
}
