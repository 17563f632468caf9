//! Privacy, where the server produces what it sends: over random rounds
//! (the small case and the reference case, random seats given to persons,
//! random advances and moves, posts on every channel and documents on every
//! clause by random seats, refused ones included) and every role, the
//! event stream (JSON and HTML fragments), the room's page, its figure and the export
//! send a viewer exactly the entries `export_for` allows that role, and no
//! score of a party whose preferences the role may not know. A refused
//! move writes nothing.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use std::time::Duration;

use common::*;
use entente_protocols::package::{ClauseId, Event};
use entente_server::auth::csrf_of;
use entente_server::pages;
use entente_server::rooms::seats_of;
use entente_talks::Answer;
use entente_talks::actors::ActorRef;
use entente_talks::log::{Channel, Entry, LogEntry, Role, export_for};
use entente_talks::sim::Post;
use proptest::prelude::*;

/// Every channel of `talks` (those that exist).
fn channels(talks: &entente_talks::Talks) -> Vec<Channel> {
    let mut all = vec![Channel::Public, Channel::Mediators];
    for (k, p) in talks.scenario.parties.iter().enumerate() {
        all.push(Channel::Caucus { party: k });
        all.push(Channel::Confidence { party: k });
        if p.delegation.is_some() {
            all.push(Channel::Capital { party: k });
        }
    }
    all
}

/// The marker that names post number `i` (unique in the page).
fn marker(i: usize) -> String {
    format!("zq{i}post")
}

/// The package events about clause `c` (a version each on the clause's page).
fn about(e: &LogEntry, c: u32) -> bool {
    let Entry::Package { event } = &e.entry else { return false };
    match event {
        Event::ItemTabled { clause, .. }
        | Event::Bracketed { clause, .. }
        | Event::Transition { clause, .. }
        | Event::AdRefAgreed { clause, .. }
        | Event::CapitalDecided { clause, .. }
        | Event::Consent { clause, .. } => clause.0 == c,
        _ => false,
    }
}

async fn check(scenario: &str, mask: u32, ops: &[(u8, usize)]) {
    let f = fixture("sqlite::memory:").await;
    let talks = entente_formats::talks_toml::parse_talks(scenario, std::path::Path::new("t.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let persons: Vec<ActorRef> =
        seats_of(&talks).into_iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, a)| a).collect();
    let id = f.state.open_room("p", scenario, &persons, false).await.unwrap_or_else(|e| panic!("{e}"));
    let room = f.state.room(&id).await.ok().flatten().unwrap_or_else(|| panic!("no room"));
    let mut everyone = seats_of(&talks);
    everyone.push(ActorRef::Observer);
    let channels = channels(&talks);
    for (i, &(op, pick)) in ops.iter().enumerate() {
        let mut r = room.lock().await;
        let before = f.state.db.events(&id).await.unwrap_or_default().len();
        // The poster: mostly a person's seat, sometimes any seat (refused unless a person's, an observer always).
        let poster = if persons.is_empty() || pick % 4 == 0 {
            everyone[pick % everyone.len()]
        } else {
            persons[pick % persons.len()]
        };
        let to = channels[(pick / 3) % channels.len()];
        // Now and then an empty or too long text (refused).
        let text = match pick % 9 {
            0 => "  ".to_string(),
            1 => format!("{} {}", marker(i), "x".repeat(entente_talks::sim::MAX_MESSAGE_CHARS)),
            _ => format!("{} on {to:?}", marker(i)),
        };
        let result = match op {
            0 => r.until_turn(&f.state.db, 40).await,
            1 => r.next(&f.state.db).await,
            4 => r.post(&f.state.db, poster, Post::Message { to, text }).await,
            5 => {
                // One clause past the last (refused).
                let clause = ClauseId((pick % (r.round().package().clauses().len() + 1)) as u32);
                let title = format!("dossier {}", marker(i));
                r.post(&f.state.db, poster, Post::Document { clause, to, title, body: text }).await
            }
            _ if persons.is_empty() => continue,
            _ => {
                let p = persons[pick % persons.len()];
                let moves = pages::moves(&r, p);
                let answer: Option<Answer> = if moves.is_empty() {
                    // Nothing offered: try an agreement out of turn (refused).
                    serde_json::from_str(r#"{"answer":"act","action":{"action":"agree_ad_ref","clause":0,"option":0}}"#)
                        .ok()
                } else {
                    serde_json::from_str(&moves[pick % moves.len()].answer).ok()
                };
                let Some(answer) = answer else { panic!("a move that does not read") };
                r.act(&f.state.db, p, answer).await
            }
        };
        let after = f.state.db.events(&id).await.unwrap_or_default().len();
        if result.is_err() {
            assert_eq!(after, before, "a refused input wrote to the record: {result:?}");
        }
        if op >= 4 && !(persons.contains(&poster) || poster == ActorRef::Observer) {
            assert!(result.is_err(), "{poster:?} posted from an agent's seat");
        }
        if op >= 4 && poster == ActorRef::Observer {
            assert!(result.is_err(), "an observer posted");
        }
    }
    let log = room.lock().await.round().log().clone();
    // The markers of the posts on the log, each with its entry.
    let posts: Vec<(String, &LogEntry)> = log
        .entries()
        .iter()
        .filter_map(|e| match &e.entry {
            Entry::Message { text, .. } => Some((text.split(' ').next().unwrap_or("").to_string(), e)),
            Entry::Document { title, .. } => Some((title.split(' ').nth(1).unwrap_or("").to_string(), e)),
            _ => None,
        })
        .collect();
    // The room replays exactly from its record (posts included).
    let replayed = entente_server::rooms::Room::load(&f.state.db, &id).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(replayed.round().log(), &log);
    let n_clauses = replayed.round().package().clauses().len() as u32;
    // Each clause's last version, read from any role's view of the log, is
    // the package machine's clause (its state, brackets, agreed option).
    for role in [Role::Mediator, Role::Observer, Role::Party { party: 0 }] {
        let view = export_for(&log, role);
        for c in replayed.round().package().clauses() {
            let versions = entente_server::history::versions(&talks, &view, c);
            let last = versions.last().unwrap_or_else(|| panic!("clause {} has no version", c.id.0));
            assert_eq!(
                (last.state, &last.brackets, last.agreed),
                (c.state, &c.brackets, c.agreed),
                "{role:?}: clause {}'s last version {versions:?}",
                c.id.0
            );
        }
    }
    let mut viewers: Vec<(ActorRef, Role)> =
        (0..talks.scenario.parties.len()).map(|k| (ActorRef::Party(k), Role::Party { party: k })).collect();
    viewers.push((ActorRef::Mediator(0), Role::Mediator));
    viewers.push((ActorRef::Observer, Role::Observer));
    for (actor, role) in viewers {
        let token = f.seat(&id, actor).await;
        let allowed = export_for(&log, role);
        let ids: Vec<u64> = allowed.iter().map(|e| e.seq).collect();
        let may_score = |k: usize| match role {
            Role::Party { party } => party == k,
            Role::Mediator => talks.conduct.get(k).is_none_or(|c| c.confided_to_mediators),
            Role::Observer => false,
        };
        // The event stream, as JSON and as the page's fragments.
        let json = f
            .sse(&format!("/rooms/{id}/events?format=json"), &token, None, allowed.len(), Duration::from_millis(30))
            .await;
        let sent: Vec<LogEntry> = json.iter().filter_map(|x| serde_json::from_str(&x.1).ok()).collect();
        assert_eq!(sent, allowed, "{role:?}: the JSON stream");
        assert_eq!(json.iter().map(|x| x.0).collect::<Vec<_>>(), ids);
        let html = f.sse(&format!("/rooms/{id}/events"), &token, None, allowed.len(), Duration::from_millis(30)).await;
        assert_eq!(html.iter().map(|x| x.0).collect::<Vec<_>>(), ids, "{role:?}: the HTML stream");
        for (seq, data) in &html {
            assert!(data.starts_with(&format!("<li id=\"e{seq}\"")), "{data}");
        }
        // The page: exactly the allowed entries, and only the scores it may know.
        let (status, _, page) = f.get(&format!("/rooms/{id}"), &token).await;
        assert_eq!(status.as_u16(), 200);
        let on_page: Vec<u64> = page
            .match_indices("<li id=\"e")
            .filter_map(|(i, _)| page[i + 9..].split('"').next().and_then(|s| s.parse().ok()))
            .collect();
        assert_eq!(on_page, ids, "{role:?}: the page's record");
        for (k, p) in talks.scenario.parties.iter().enumerate() {
            if !may_score(k) {
                assert!(!page.contains(&format!("{} scores", p.name)), "{role:?} is shown {}'s score", p.name);
                assert!(
                    !page.contains(&format!("{}: the text scores", p.name)),
                    "{role:?} is shown {}'s analysis",
                    p.name
                );
                for html in html.iter().map(|x| &x.1) {
                    assert!(!html.contains(&format!("{} scores", p.name)), "{role:?} is sent {}'s score", p.name);
                }
            }
        }
        // Only a party's own seat and the mediators get an analysis; the suggested package is the mediators'.
        assert_eq!(page.contains("id=\"analysis\""), role != Role::Observer, "{role:?}");
        assert_eq!(
            page.contains("A package every party") || page.contains("No package improves"),
            role == Role::Mediator
        );
        // The figure: a party's utility curve exactly when the role holds its
        // scores, a delegation's blocs only for a role that reads its own channel.
        let (status, headers, svg) = f.get(&format!("/rooms/{id}/figure.svg"), &token).await;
        assert_eq!(status.as_u16(), 200, "{role:?}: {svg}");
        assert_eq!(headers.get("content-type").and_then(|h| h.to_str().ok()), Some("image/svg+xml"));
        for (k, p) in talks.scenario.parties.iter().enumerate() {
            let scored = allowed.iter().any(|e| matches!(e.entry, Entry::TextScored { party, .. } if party == k));
            assert_eq!(
                svg.contains(&format!("{}: utility of the text", p.name)),
                scored,
                "{role:?}: {}'s utility curve in the figure",
                p.name
            );
            assert!(!scored || may_score(k), "{role:?} holds {}'s scores", p.name);
            let own = role == Role::Party { party: k };
            for b in p.delegation.iter().flat_map(|d| &d.blocs) {
                if !own {
                    let label = format!("{} ({})", b.bloc.name, p.name);
                    assert!(!svg.contains(&label), "{role:?} is shown {label} in the figure");
                }
            }
        }
        // The export.
        let (_, _, body) = f.get(&format!("/rooms/{id}/log.json"), &token).await;
        let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        let exported: Vec<LogEntry> = serde_json::from_value(v["entries"].clone()).unwrap_or_default();
        assert_eq!(exported, allowed, "{role:?}: the export");
        // Each clause's page: a version for each package event about it the
        // role may see (and the opening for an agenda clause), the documents
        // it may read, nothing of a post it may not.
        let mut clause_pages = Vec::new();
        for c in 0..n_clauses {
            let (status, _, cp) = f.get(&format!("/rooms/{id}/clauses/{c}?from=0&to=99"), &token).await;
            assert_eq!(status.as_u16(), 200, "{cp}");
            let rows = cp.matches("<tr id=\"v").count();
            let events = allowed.iter().filter(|e| about(e, c)).count();
            let tabled = allowed.iter().any(
                |e| matches!(&e.entry, Entry::Package { event: Event::ItemTabled { clause, .. } } if clause.0 == c),
            );
            assert_eq!(rows, events + usize::from(!tabled), "{role:?}: clause {c}'s versions");
            for (m, e) in &posts {
                if let Entry::Document { clause, .. } = e.entry
                    && clause == c
                    && role.may_see(&e.visibility)
                {
                    assert!(cp.contains(&format!("dossier {m}")), "{role:?}: clause {c} lacks {m}");
                }
            }
            clause_pages.push(cp);
        }
        // The documents' fragment (the room's page refreshes it live): exactly the documents the role may read.
        let (_, _, docs) = f.get(&format!("/rooms/{id}/documents"), &token).await;
        for (m, e) in &posts {
            if matches!(e.entry, Entry::Document { .. }) {
                assert_eq!(docs.contains(&format!("dossier {m}")), role.may_see(&e.visibility), "{role:?}: {m}");
            }
        }
        clause_pages.push(docs);
        // The posts: those of the channels the role reads on the page and in
        // the streams, the others nowhere.
        for (m, e) in &posts {
            let seen = role.may_see(&e.visibility);
            assert_eq!(seen, allowed.iter().any(|a| a.seq == e.seq));
            if seen {
                assert!(page.contains(m.as_str()), "{role:?}: {m} is not on the page");
            } else {
                let m = m.as_str();
                assert!(!page.contains(m), "{role:?}: the page shows {m}");
                assert!(!json.iter().chain(&html).any(|x| x.1.contains(m)), "{role:?}: the stream sends {m}");
                assert!(!body.contains(m), "{role:?}: the export holds {m}");
                assert!(!svg.contains(m), "{role:?}: the figure shows {m}");
                assert!(!clause_pages.iter().any(|cp| cp.contains(m)), "{role:?}: a clause's page shows {m}");
            }
        }
    }
}

fn ops() -> impl Strategy<Value = Vec<(u8, usize)>> {
    proptest::collection::vec((0u8..6, 0usize..64), 1..16)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn the_small_case(mask in 0u32..16, ops in ops()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap_or_else(|e| panic!("{e}"));
        rt.block_on(check(SMALL, mask, &ops));
    }

    #[test]
    fn the_reference_case(mask in 0u32..(1 << 10), ops in ops()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap_or_else(|e| panic!("{e}"));
        rt.block_on(check(entente_server::REFERENCE_TALKS, mask, &ops));
    }
}

/// A mediators' note and a note to one delegation in confidence, posted by
/// a mediator through the page's form: a delegation never gets the first,
/// the other delegation never the second — on the page, reloaded, on the
/// stream reconnected with Last-Event-ID 0 or from the start, in the export,
/// on the clause's page — and the room rebuilt from its record holds them.
#[tokio::test]
async fn a_mediators_note_never_reaches_a_delegation_even_after_reload() {
    let f = fixture("sqlite::memory:").await;
    let persons = [ActorRef::Mediator(0), ActorRef::Party(0), ActorRef::Party(1)];
    let id = f
        .state
        .open_room("n", entente_server::REFERENCE_TALKS, &persons, false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let enc = |s: &str| s.bytes().map(|b| format!("%{b:02X}")).collect::<String>();
    let mediator = f.seat(&id, ActorRef::Mediator(0)).await;
    let csrf = csrf_of(&mediator);
    let to = |c: &Channel| enc(&serde_json::to_string(c).unwrap_or_default());
    let secret = "Our read: state_b's capital will fold by Thursday";
    let confided = "To state_a alone: the evidence holds";
    let dossier = "Intercepts, mediators only";
    for (uri, form) in [
        (format!("/rooms/{id}/post"), format!("csrf={csrf}&to={}&text={}", to(&Channel::Mediators), enc(secret))),
        (
            format!("/rooms/{id}/post"),
            format!("csrf={csrf}&to={}&text={}", to(&Channel::Confidence { party: 0 }), enc(confided)),
        ),
        (
            format!("/rooms/{id}/document"),
            format!("csrf={csrf}&clause=0&to={}&title={}&body={}", to(&Channel::Mediators), enc(dossier), enc("pages")),
        ),
    ] {
        let (status, _, body) = f.post_form(&uri, &mediator, &form, Some("http://localhost")).await;
        assert_eq!(status.as_u16(), 303, "{uri}: {body}");
    }
    // Without the page's CSRF token: refused, nothing written.
    let n = f.state.db.events(&id).await.unwrap_or_default().len();
    let form = format!("to={}&text=forged", to(&Channel::Public));
    let (status, _, _) = f.post_form(&format!("/rooms/{id}/post"), &mediator, &form, None).await;
    assert_eq!(status.as_u16(), 403);
    // A delegation on the mediators' channel, an observer anywhere: refused with a reason, nothing written.
    let b = f.seat(&id, ActorRef::Party(1)).await;
    let form = format!("csrf={}&to={}&text=let+me+in", csrf_of(&b), to(&Channel::Mediators));
    let (status, _, page) = f.post_form(&format!("/rooms/{id}/post"), &b, &form, None).await;
    assert_eq!(status.as_u16(), 403, "{page}");
    assert!(page.contains("only the mediators speak on the mediators"), "{page}");
    let observer = f.seat(&id, ActorRef::Observer).await;
    let form = format!("csrf={}&to={}&text=hello", csrf_of(&observer), to(&Channel::Public));
    let (status, _, page) = f.post_form(&format!("/rooms/{id}/post"), &observer, &form, None).await;
    assert_eq!(status.as_u16(), 403, "{page}");
    assert!(page.contains("an observer posts nothing"), "{page}");
    assert_eq!(f.state.db.events(&id).await.unwrap_or_default().len(), n);
    // The room rebuilt from its record.
    let log =
        f.state.room(&id).await.ok().flatten().unwrap_or_else(|| panic!("no room")).lock().await.round().log().clone();
    let replayed = entente_server::rooms::Room::load(&f.state.db, &id).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(replayed.round().log(), &log);
    for (actor, gets) in [
        (ActorRef::Party(1), [false, false, false]),
        (ActorRef::Party(0), [false, true, false]),
        (ActorRef::Observer, [false, false, false]),
        (ActorRef::Mediator(0), [true, true, true]),
    ] {
        let token = f.seat(&id, actor).await;
        let mut seen: Vec<String> = Vec::new();
        for _ in 0..2 {
            seen.push(f.get(&format!("/rooms/{id}"), &token).await.2);
        }
        seen.push(f.get(&format!("/rooms/{id}/clauses/0"), &token).await.2);
        seen.push(f.get(&format!("/rooms/{id}/log.json"), &token).await.2);
        let role = entente_server::auth::Grant::Seat { actor }.role();
        let all = export_for(&log, role).len();
        let streams = [
            f.sse(&format!("/rooms/{id}/events"), &token, Some(0), all.saturating_sub(1), Duration::from_millis(50))
                .await,
            f.sse(
                &format!("/rooms/{id}/events?format=json"),
                &token,
                Some(0),
                all.saturating_sub(1),
                Duration::from_millis(50),
            )
            .await,
            f.sse(
                &format!("/rooms/{id}/events?after=0"),
                &token,
                None,
                all.saturating_sub(1),
                Duration::from_millis(50),
            )
            .await,
            f.sse(&format!("/rooms/{id}/events"), &token, None, all, Duration::from_millis(50)).await,
        ];
        seen.extend(streams.iter().flat_map(|s| s.iter().map(|x| x.1.clone())));
        for (text, want) in [secret, confided, dossier].iter().zip(gets) {
            let json_text = serde_json::to_string(text).unwrap_or_default();
            let json_text = json_text.trim_matches('"');
            let html_text = text.replace('\'', "&#x27;");
            let got = seen.iter().any(|s| s.contains(json_text) || s.contains(&html_text) || s.contains(text));
            assert_eq!(got, want, "{actor:?} and {text:?}");
        }
    }
}
