//! Privacy, where the server produces what it sends: over random rounds
//! (the small case and the reference case, random seats given to persons,
//! random advances and moves, refused ones included) and every role, the
//! event stream (JSON and HTML fragments), the room's page, its figure and the export
//! send a viewer exactly the entries `export_for` allows that role, and no
//! score of a party whose preferences the role may not know. A refused
//! move writes nothing.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use std::time::Duration;

use common::*;
use entente_server::pages;
use entente_server::rooms::seats_of;
use entente_talks::Answer;
use entente_talks::actors::ActorRef;
use entente_talks::log::{Entry, LogEntry, Role, export_for};
use proptest::prelude::*;

async fn check(scenario: &str, mask: u32, ops: &[(u8, usize)]) {
    let f = fixture("sqlite::memory:").await;
    let talks = entente_formats::talks_toml::parse_talks(scenario, std::path::Path::new("t.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let persons: Vec<ActorRef> =
        seats_of(&talks).into_iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, a)| a).collect();
    let id = f.state.open_room("p", scenario, &persons, false).await.unwrap_or_else(|e| panic!("{e}"));
    let room = f.state.room(&id).await.ok().flatten().unwrap_or_else(|| panic!("no room"));
    for &(op, pick) in ops {
        let mut r = room.lock().await;
        let before = f.state.db.events(&id).await.unwrap_or_default().len();
        let result = match op {
            0 => r.until_turn(&f.state.db, 40).await,
            1 => r.next(&f.state.db).await,
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
    }
    let log = room.lock().await.round().log().clone();
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
    }
}

fn ops() -> impl Strategy<Value = Vec<(u8, usize)>> {
    proptest::collection::vec((0u8..4, 0usize..64), 1..16)
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
