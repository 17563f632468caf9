//! End to end in a real browser: headless Chromium driven through
//! chromedriver (fantoccini), two browsers at once on one room. The
//! mediators' page, left open, shows a delegation's answer made in the
//! other browser live (server-sent events, htmx); a clause reopened in one
//! browser shows REOPENED in the other without a reload. A bloc's
//! instructions reach only their delegation's browser, live; the demo room
//! of `entente serve --demo` is negotiated to adoption by clicks. Notes on
//! the private channels and documents typed in one browser never reach
//! another delegation's browser.
//! Without chromedriver the tests print SKIPPED (and fail when CI=true).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use entente_protocols::package::{Action, ClauseId, ClauseState};
use entente_server::auth::{Grant, csrf_of};
use entente_server::clock::ManualClock;
use entente_server::{Config, app, start};
use entente_talks::actors::ActorRef;
use entente_talks::log::{Channel, Entry, Visibility};
use entente_talks::{Answer, Prompt};
use fantoccini::{Client, ClientBuilder, Locator};

/// One browser test at a time: each starts Chromium, and several at once on two cores time out.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn chromedriver() -> Option<String> {
    for c in ["chromedriver", "/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"] {
        if Command::new(c).arg("--version").output().is_ok_and(|o| o.status.success()) {
            return Some(c.to_string());
        }
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "chromedriver is missing, and CI=true requires the browser tests (apt-get install chromium chromium-driver)"
        );
    }
    use std::io::Write as _;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED: the browser tests: chromedriver not found (apt-get install chromium chromium-driver)"
    );
    None
}

/// The small case with a third clause, so that a clause is provisional while others are not.
const THREE: &str = r#"
name = "three clauses"
[[issues]]
name = "a"
values = ["a0", "a1"]
[[issues]]
name = "b"
values = ["b0", "b1"]
[[issues]]
name = "c"
values = ["c0", "c1"]
[[parties]]
name = "A"
reservation = 0.1
[parties.issues]
a = { weight = 0.4, values = [0.0, 1.0] }
b = { weight = 0.4, values = [1.0, 0.0] }
c = { weight = 0.2, values = [0.0, 1.0] }
[[parties]]
name = "B"
reservation = 0.1
[parties.issues]
a = { weight = 0.4, values = [1.0, 0.0] }
b = { weight = 0.4, values = [0.0, 1.0] }
c = { weight = 0.2, values = [1.0, 0.0] }
[talks]
mediators = ["M"]
agenda = ["a", "b", "c"]
defaults = { a = "a0", b = "b0", c = "c0" }
step_minutes = 30
[[talks.sessions]]
day = 1
start = "09:00"
hours = 3
"#;

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn browser(port: u16, profile: &std::path::Path) -> Client {
    let mut caps = serde_json::Map::new();
    let args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([format!("--user-data-dir={}", profile.display())])
    .collect::<Vec<_>>();
    caps.insert("goog:chromeOptions".into(), serde_json::json!({ "args": args }));
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let mut last = None;
    for _ in 0..150 {
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

async fn page_text(c: &Client, css: &str) -> String {
    match c.find(Locator::Css(css)).await {
        Ok(e) => e.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delegations_answer_and_a_reopened_clause_reach_the_mediators_page_live() {
    let _serial = SERIAL.lock().await;
    let Some(driver) = chromedriver() else { return };
    let port = 9515 + (std::process::id() % 400) as u16;
    let _driver = Driver(
        Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("chromedriver: {e}")),
    );
    let f = fixture("sqlite::memory:").await;
    let id = f.state.open_room("browser", THREE, &[ActorRef::Party(1)], false).await.unwrap_or_else(|e| panic!("{e}"));
    let convener = f.token(None, Grant::Convener).await;
    let delegation = f.seat(&id, ActorRef::Party(1)).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("{e}"));
    let base = format!("http://{}", listener.local_addr().unwrap_or_else(|e| panic!("{e}")));
    let server = tokio::spawn(axum::serve(listener, f.app.clone()).into_future());
    let dir = std::env::temp_dir().join(format!("entente-browser-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mediators = browser(port, &dir.join("a")).await;
    let b = browser(port, &dir.join("b")).await;

    // The chair: signs in, opens the room, runs the clock until B is asked.
    mediators.goto(&format!("{base}/join/{convener}")).await.unwrap_or_else(|e| panic!("{e}"));
    mediators.goto(&format!("{base}/rooms/{id}")).await.unwrap_or_else(|e| panic!("{e}"));
    let advance = mediators.find(Locator::Css("button[value=turn]")).await.unwrap_or_else(|e| panic!("{e}"));
    advance.click().await.unwrap_or_else(|e| panic!("{e}"));
    mediators.wait().for_element(Locator::Css("#log")).await.unwrap_or_else(|e| panic!("{e}"));
    let before = page_text(&mediators, "#log").await;
    let clauses_before = page_text(&mediators, "#clauses").await;
    assert!(!before.contains("B agrees ad referendum"));

    // Delegation B, in the other browser: its turn, and its answer by a click.
    b.goto(&format!("{base}/join/{delegation}")).await.unwrap_or_else(|e| panic!("{e}"));
    let asked = page_text(&b, "#awaiting").await;
    assert!(asked.contains("The mediators put"), "B's turn: {asked:?}");
    let agree = b
        .find(Locator::XPath("//button[starts-with(normalize-space(.), 'Agree ad referendum')]"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    agree.click().await.unwrap_or_else(|e| panic!("{e}"));

    // The mediators' page, not reloaded, shows it within seconds.
    let mut shown = String::new();
    for _ in 0..50 {
        shown = page_text(&mediators, "#log").await;
        if shown.contains("B agrees ad referendum") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(shown.contains("B agrees ad referendum"), "not live on the mediators' page:\n{shown}");
    // The single text on the mediators' page follows too: the same as B's freshly loaded page.
    let fresh = page_text(&b, "#clauses").await;
    assert!(!fresh.is_empty());
    let mut live = String::new();
    for _ in 0..50 {
        live = page_text(&mediators, "#clauses").await;
        if live == fresh {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(live, fresh, "the mediators' clause table did not follow");
    let _ = clauses_before;

    // On (server side, B agreeing to what is put) until clause a is PROVISIONAL (c still open to
    // negotiation); then B reopens it with a click, and the mediators' page, not reloaded, shows it REOPENED.
    let room = f.state.room(&id).await.ok().flatten().unwrap_or_else(|| panic!("no room"));
    for _ in 0..50 {
        let mut r = room.lock().await;
        let provisional = r.round().package().clause(ClauseId(0)).is_some_and(|c| c.state == ClauseState::Provisional);
        let voting = matches!(r.round().package().status(), entente_protocols::package::Status::Voting { .. });
        if provisional && r.round().ending().is_none() && !voting {
            break;
        }
        let asked = r.awaiting(ActorRef::Party(1));
        if let Some(Prompt::Proposal { clause, option }) = asked.first().map(|t| t.prompt.clone()) {
            let agree = Answer::act(Action::AgreeAdRef { clause, option });
            r.act(&f.state.db, ActorRef::Party(1), agree).await.unwrap_or_else(|e| panic!("{e}"));
        } else {
            r.until_turn(&f.state.db, 1000).await.unwrap_or_else(|e| panic!("{e}"));
        }
    }
    let mut seen = String::new();
    for _ in 0..50 {
        seen = page_text(&mediators, "#clauses").await;
        if seen.contains("0. a PROVISIONAL") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(seen.contains("0. a PROVISIONAL"), "{seen}");
    b.goto(&format!("{base}/rooms/{id}")).await.unwrap_or_else(|e| panic!("{e}"));
    // Every clause provisional, the vote is open: B votes no (the vote fails), then reopens a.
    if page_text(&b, "#status").await == "final vote open" {
        let no =
            b.find(Locator::XPath("//button[normalize-space(.)='Vote no']")).await.unwrap_or_else(|e| panic!("{e}"));
        no.click().await.unwrap_or_else(|e| panic!("{e}"));
    }
    let reopen =
        b.find(Locator::XPath("//button[normalize-space(.)='Reopen a']")).await.unwrap_or_else(|e| panic!("{e}"));
    reopen.click().await.unwrap_or_else(|e| panic!("{e}"));
    for _ in 0..50 {
        seen = page_text(&mediators, "#clauses").await;
        if seen.contains("0. a REOPENED") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(seen.contains("0. a REOPENED"), "not live on the mediators' page: {seen}");
    // B never sees the mediators-only or A's private entries: its page's record is its role's.
    let b_log = page_text(&b, "#log").await;
    assert!(!b_log.contains("A scores"), "{b_log}");
    let _ = mediators.close().await;
    let _ = b.close().await;
    server.abort();
    let _ = std::fs::remove_dir_all(&dir);
}

/// chromedriver started on a port of its own (`offset` apart from the other tests'), stopped when dropped.
fn driver(offset: u16) -> Option<(Driver, u16)> {
    let exe = chromedriver()?;
    let port = 9515 + (std::process::id() % 300) as u16 + 400 + offset;
    let child = Command::new(exe)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("chromedriver: {e}"));
    Some((Driver(child), port))
}

/// Waits (up to 5 s) until `css`'s text satisfies `ok`; its last text.
async fn until(c: &Client, css: &str, ok: impl Fn(&str) -> bool) -> String {
    let mut seen = String::new();
    for _ in 0..50 {
        seen = page_text(c, css).await;
        if ok(&seen) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocs_instructions_reach_only_their_delegations_browser_live() {
    let _serial = SERIAL.lock().await;
    let Some((_driver, port)) = driver(1) else { return };
    let f = fixture("sqlite::memory:").await;
    let talks = entente_formats::talks_toml::parse_talks(entente_server::REFERENCE_TALKS, std::path::Path::new("r"))
        .unwrap_or_else(|e| panic!("{e}"));
    // The delegation the reference case's blocs instruct during the talks (after the opening).
    let id = f
        .state
        .open_room("instructions", entente_server::REFERENCE_TALKS, &[], false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let room = f.state.room(&id).await.ok().flatten().unwrap_or_else(|| panic!("no room"));
    let opening = room.lock().await.round().log().entries().len();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("{e}"));
    let base = format!("http://{}", listener.local_addr().unwrap_or_else(|e| panic!("{e}")));
    let server = tokio::spawn(axum::serve(listener, f.app.clone()).into_future());
    let dir = std::env::temp_dir().join(format!("entente-browser-demo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let n = talks.scenario.parties.len();
    let mut browsers = Vec::new();
    for k in 0..n {
        let c = browser(port, &dir.join(format!("p{k}"))).await;
        let token = f.seat(&id, ActorRef::Party(k)).await;
        c.goto(&format!("{base}/join/{token}")).await.unwrap_or_else(|e| panic!("{e}"));
        c.goto(&format!("{base}/rooms/{id}")).await.unwrap_or_else(|e| panic!("{e}"));
        browsers.push(c);
    }
    // The clock runs on, server side, until a bloc has instructed its delegation.
    let instructed = loop {
        let mut r = room.lock().await;
        let found = r.round().log().entries()[opening..].iter().find_map(|e| match (&e.entry, &e.visibility) {
            (Entry::Instruction { party, bloc, .. }, Visibility::Party { .. }) => Some((*party, bloc.clone())),
            _ => None,
        });
        if let Some(x) = found {
            break x;
        }
        assert!(!r.is_over(), "the reference case instructs a delegation during the talks");
        r.next(&f.state.db).await.unwrap_or_else(|e| panic!("{e}"));
    };
    let (k, bloc) = instructed;
    let line = format!("Instruction from {bloc} to {}", talks.scenario.parties[k].name);
    // Live in the instructed delegation's browser, without a reload.
    let seen = until(&browsers[k], "#log", |t| t.contains(&line)).await;
    assert!(seen.contains(&line), "not live in {}'s browser:\n{seen}", talks.scenario.parties[k].name);
    // Never in another delegation's, live or after a reload.
    for (j, c) in browsers.iter().enumerate().filter(|(j, _)| *j != k) {
        let live = page_text(c, "#log").await;
        assert!(!live.contains(&line), "{} was sent {line}", talks.scenario.parties[j].name);
        c.refresh().await.unwrap_or_else(|e| panic!("{e}"));
        let reloaded = page_text(c, "#log").await;
        assert!(!reloaded.is_empty() && !reloaded.contains("Instruction from"), "{reloaded}");
    }
    for c in browsers {
        let _ = c.close().await;
    }
    server.abort();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_room_is_negotiated_to_adoption_by_clicks_in_the_browser() {
    let _serial = SERIAL.lock().await;
    let Some((_driver, port)) = driver(2) else { return };
    let config = Config { database: "sqlite::memory:".into(), listen: "127.0.0.1:0".into(), demo: true };
    let (started, listener, state) =
        start(&config, Arc::new(ManualClock::new(T0))).await.unwrap_or_else(|e| panic!("{e}"));
    let Some((room, link)) = started.demo.clone() else { panic!("no demo room") };
    let server = tokio::spawn(axum::serve(listener, app(state.clone())).into_future());
    let dir = std::env::temp_dir().join(format!("entente-browser-clicks-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let c = browser(port, &dir.join("demo")).await;
    // The link the server printed, as a newcomer would follow it.
    c.goto(&link).await.unwrap_or_else(|e| panic!("{e}"));
    c.goto(&format!("{}/rooms/{room}", started.url)).await.unwrap_or_else(|e| panic!("{e}"));
    // A cooperative delegation: it agrees to what the mediators put to it, votes yes, else lets the moment pass.
    let (mut clicks, mut agreed) = (0, 0);
    let mut status = String::new();
    let room_url = format!("{}/rooms/{room}", started.url);
    for _ in 0..400 {
        status = until(&c, "#status", |t| !t.is_empty()).await;
        if status.is_empty() {
            // Not the room's page (a refusal's page): back to the room.
            c.goto(&room_url).await.unwrap_or_else(|e| panic!("{e}"));
            continue;
        }
        if status != "negotiating" && status != "final vote open" {
            break;
        }
        let asked = page_text(&c, "#awaiting").await;
        let put = asked.lines().find_map(|l| {
            l.strip_prefix("The mediators put ")
                .and_then(|r| r.split_once(" to the parties"))
                .map(|(x, _)| x.to_string())
        });
        let button = if let Some(p) = put {
            agreed += 1;
            format!("//button[normalize-space(.)='Agree ad referendum: {p}']")
        } else if asked.contains("The final vote is open") {
            "//button[normalize-space(.)='Vote yes']".to_string()
        } else {
            "//button[starts-with(normalize-space(.), 'Let the moment pass')]".to_string()
        };
        let b = c.find(Locator::XPath(&button)).await.unwrap_or_else(|e| panic!("{button}: {e}\n{asked}"));
        let old = c.find(Locator::Css("#status")).await.unwrap_or_else(|e| panic!("{e}"));
        b.click().await.unwrap_or_else(|e| panic!("{e}"));
        // The form's answer is a new page: wait until the old one is gone.
        for _ in 0..250 {
            if old.text().await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        clicks += 1;
    }
    assert!(agreed > 0, "the person never agreed to anything");
    assert_eq!(status, "adopted", "after {clicks} clicks ({agreed} agreements)");
    let r = state.room(&room).await.ok().flatten().unwrap_or_else(|| panic!("no room"));
    assert!(matches!(r.lock().await.round().ending(), Some(entente_talks::sim::Ending::Adopted { .. })));
    let _ = c.close().await;
    server.abort();
    let _ = std::fs::remove_dir_all(&dir);
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

/// Channels: the mediators type a note for themselves and a note in
/// confidence to delegation A, and attach a dossier for the mediators,
/// through the page's forms; delegation A speaks in its caucus and in
/// public and tables a document for all. Delegation B's page, left open,
/// shows A's statement and document live and never any of the private
/// posts, nor after a reload, nor on the clause's page; the mediators' page
/// never shows A's caucus.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_channels_stay_private_in_the_browser_live_and_after_a_reload() {
    let _serial = SERIAL.lock().await;
    let Some((_driver, port)) = driver(3) else { return };
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
    assert!(page_text(&bb, "h1").await.contains("channels"), "B is not in the room");

    // The mediators, by the page's forms.
    let secret = "M only: B will move on b by noon";
    let confided = "To A in confidence: hold on a";
    post(&mediators, "mediators only", secret).await;
    assert!(
        until(&mediators, "#log", |s| s.contains(secret)).await.contains(secret),
        "the mediators' note is not on their page"
    );
    post(&mediators, "A and the mediators, in confidence", confided).await;
    assert!(until(&mediators, "#log", |s| s.contains(confided)).await.contains(confided));
    ok(ok(mediators.find(Locator::Css("#doc-clause")).await).select_by_label("0. a").await);
    ok(ok(mediators.find(Locator::Css("#doc-to")).await).select_by_label("mediators only").await);
    ok(ok(mediators.find(Locator::Css("#doc-title")).await).send_keys("Dossier on a").await);
    ok(ok(mediators.find(Locator::Css("#doc-body")).await).send_keys("Satellite pictures of the crossing").await);
    ok(ok(mediators.find(Locator::XPath("//button[normalize-space(.)='Attach the document']")).await).click().await);
    assert!(until(&mediators, "#documents", |s| s.contains("Satellite pictures")).await.contains("Satellite pictures"));

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
    let live = until(&bb, "#log", |s| s.contains(public)).await;
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
    let docs = until(&bb, "#docs", |s| s.contains("The line as A draws it")).await;
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
    assert!(until(&mediators, "#log", |s| s.contains(public)).await.contains(public));
    assert!(!ok(mediators.source().await).contains(caucus), "the mediators read A's caucus");
    ok(mediators.goto(&format!("{base}/rooms/{id}/clauses/0")).await);
    assert!(page_text(&mediators, "#documents").await.contains("Satellite pictures"));
    let _ = mediators.close().await;
    let _ = bb.close().await;
    server.abort();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_fit_a_phones_screen() {
    let _serial = SERIAL.lock().await;
    let Some((_driver, port)) = driver(3) else { return };
    let f = fixture("sqlite::memory:").await;
    let id = f
        .state
        .open_room("phone", entente_server::REFERENCE_TALKS, &[ActorRef::Party(0)], false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let room = f.state.room(&id).await.ok().flatten().unwrap_or_else(|| panic!("no room"));
    room.lock().await.until_turn(&f.state.db, 1_000).await.unwrap_or_else(|e| panic!("{e}"));
    let convener = f.token(None, Grant::Convener).await;
    let delegation = f.seat(&id, ActorRef::Party(0)).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("{e}"));
    let base = format!("http://{}", listener.local_addr().unwrap_or_else(|e| panic!("{e}")));
    let server = tokio::spawn(axum::serve(listener, f.app.clone()).into_future());
    let dir = std::env::temp_dir().join(format!("entente-browser-phone-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let c = browser(port, &dir.join("phone")).await;
    c.set_window_size(390, 844).await.unwrap_or_else(|e| panic!("{e}"));
    for (who, token) in [("the chair", &convener), ("a delegation", &delegation)] {
        c.goto(&format!("{base}/join/{token}")).await.unwrap_or_else(|e| panic!("{e}"));
        c.goto(&format!("{base}/rooms/{id}")).await.unwrap_or_else(|e| panic!("{e}"));
        tokio::time::sleep(Duration::from_millis(500)).await;
        let widths = c
            .execute("return [document.documentElement.scrollWidth, window.innerWidth];", vec![])
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let w: Vec<i64> = serde_json::from_value(widths).unwrap_or_default();
        let wide = c
            .execute(
                "return Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > \
                 window.innerWidth + 1).slice(0, 8).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + \
                 Math.round(e.getBoundingClientRect().right));",
                vec![],
            )
            .await
            .unwrap_or_default();
        assert_eq!(w.len(), 2);
        assert!(w[0] <= w[1], "{who}'s page is {} px wide on a {} px screen: it scrolls sideways ({wide})", w[0], w[1]);
    }
    let _ = c.close().await;
    server.abort();
    let _ = std::fs::remove_dir_all(&dir);
}
