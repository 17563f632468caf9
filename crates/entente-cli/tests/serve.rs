//! `entente serve --demo` and `entente verify-log`, end to end: the server
//! prints its URL, the convener's first link and the demo seat's link; the
//! record it wrote verifies, as a database and as an export; an altered
//! export is named at its first broken link.

// Test code: starts the binary, reads its output and temporary files (clippy.toml).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

fn entente(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_entente")).args(args).output().expect("run entente")
}

/// GET `path` from `host:port` (HTTP/1.1, one request, the body returned).
fn get(addr: &str, path: &str, token: &str) -> String {
    request(addr, "GET", path, token, "", "200")
}

/// One HTTP/1.1 request; the response must have status `expect`; its body.
fn request(addr: &str, method: &str, path: &str, token: &str, form: &str, expect: &str) -> String {
    let mut s = TcpStream::connect(addr).expect("connect");
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        form.len()
    )
    .expect("send");
    let mut resp = String::new();
    s.read_to_string(&mut resp).expect("read");
    assert!(resp.starts_with(&format!("HTTP/1.1 {expect}")), "{}", resp.lines().next().unwrap_or(""));
    resp.split_once("\r\n\r\n").map(|x| x.1.to_string()).unwrap_or_default()
}

#[test]
fn serve_prints_its_links_and_verify_log_checks_the_record_it_wrote() {
    let dir = std::env::temp_dir().join(format!("entente-serve-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let db = dir.join("talks.db");
    let url = format!("sqlite:{}", db.display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_entente"))
        .args(["serve", "--database", &url, "--listen", "127.0.0.1:0", "--demo"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start entente serve");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut out = Vec::new();
    for line in lines.by_ref() {
        let line = line.expect("a line");
        let done = line.starts_with("Ctrl-C");
        out.push(line);
        if done {
            break;
        }
    }
    let text = out.join("\n");
    let link = |prefix: &str| {
        out.iter().find(|l| l.starts_with(prefix)).and_then(|l| l.split_whitespace().last()).map(str::to_string)
    };
    let base = link("entente serve:").map(|_| out[0].split_whitespace().nth(2).unwrap_or("").to_string());
    let base = base.unwrap_or_else(|| panic!("no URL: {text}"));
    let convener = link("convener's first sign-in link").unwrap_or_else(|| panic!("no convener link: {text}"));
    let room = link("demo room:").unwrap_or_else(|| panic!("no demo room: {text}"));
    assert!(link("your seat").is_some_and(|l| l.starts_with(&format!("{base}/join/"))), "{text}");
    let addr = base.trim_start_matches("http://").to_string();
    let token = convener.rsplit('/').next().unwrap_or_default().to_string();
    let room_path = room.trim_start_matches(&base).to_string();
    let record = get(&addr, &format!("{room_path}/record.json"), &token);
    let _ = child.kill();
    let _ = child.wait();

    // The database, by path and by URL.
    for arg in [db.display().to_string(), url.clone()] {
        let o = entente(&["verify-log", &arg]);
        let s = String::from_utf8_lossy(&o.stdout);
        assert_eq!(o.status.code(), Some(0), "{s}{}", String::from_utf8_lossy(&o.stderr));
        assert!(s.contains("the chain holds and every room replays"), "{s}");
    }
    // The export, as served; then with one entry altered.
    let export = dir.join("record.json");
    std::fs::write(&export, &record).expect("write");
    let o = entente(&["verify-log", &export.display().to_string()]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
    let events: Vec<serde_json::Value> = serde_json::from_str(&record).expect("a JSON array");
    let k = events
        .iter()
        .position(|e| e["body"].as_str().is_some_and(|b| b.contains("\"kind\":\"session_started\"")))
        .expect("a session started");
    let altered = record.replacen(
        "\\\"kind\\\":\\\"session_started\\\",\\\"day\\\":1",
        "\\\"kind\\\":\\\"session_started\\\",\\\"day\\\":2",
        1,
    );
    assert_ne!(altered, record, "the alteration must change the export");
    std::fs::write(&export, &altered).expect("write");
    let o = entente(&["verify-log", &export.display().to_string()]);
    let s = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{s}");
    assert!(s.contains(&format!("event {k} was altered")), "{s}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Starts `entente serve` on `url`; its stdout lines up to "Ctrl-C".
fn start(url: &str) -> (std::process::Child, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_entente"))
        .args(["serve", "--database", url, "--listen", "127.0.0.1:0", "--demo"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start entente serve");
    let mut out = Vec::new();
    for line in BufReader::new(child.stdout.take().expect("stdout")).lines() {
        let line = line.expect("a line");
        let done = line.starts_with("Ctrl-C");
        out.push(line);
        if done {
            break;
        }
    }
    (child, out)
}

fn field(out: &[String], prefix: &str) -> String {
    out.iter()
        .find(|l| l.starts_with(prefix))
        .and_then(|l| l.split_whitespace().last())
        .map(str::to_string)
        .unwrap_or_else(|| panic!("no {prefix:?} in {out:?}"))
}

#[test]
fn after_kill_9_every_acknowledged_event_is_there_and_the_chain_verifies() {
    let dir = std::env::temp_dir().join(format!("entente-serve-kill-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = format!("sqlite:{}", dir.join("talks.db").display());
    let (mut child, out) = start(&url);
    let base = out[0].split_whitespace().nth(2).unwrap_or("").to_string();
    let addr = base.trim_start_matches("http://").to_string();
    let convener = field(&out, "convener's first sign-in link").rsplit('/').next().unwrap_or_default().to_string();
    let room = field(&out, "demo room:").trim_start_matches(&base).to_string();
    // The chair advances the clock; each acknowledged (303) advance is stored before the answer.
    for _ in 0..20 {
        request(&addr, "POST", &format!("{room}/advance"), &convener, "mode=next", "303");
    }
    let before: serde_json::Value =
        serde_json::from_str(&get(&addr, &format!("{room}/log.json"), &convener)).expect("json");
    let n = before["entries"].as_array().map_or(0, Vec::len);
    assert!(n > 0);
    child.kill().expect("kill -9"); // SIGKILL: no shutdown, no flush beyond what was committed
    let _ = child.wait();
    // Restarted on the same file: a second demo room is opened, the first one replays.
    let (mut child, out) = start(&url);
    assert!(!out.iter().any(|l| l.starts_with("convener's")), "not a new database: {out:?}");
    let base = out[0].split_whitespace().nth(2).unwrap_or("").to_string();
    let addr = base.trim_start_matches("http://").to_string();
    let after: serde_json::Value =
        serde_json::from_str(&get(&addr, &format!("{room}/log.json"), &convener)).expect("json");
    assert_eq!(after["entries"], before["entries"], "every acknowledged entry is there, nothing else");
    // And the room goes on.
    request(&addr, "POST", &format!("{room}/advance"), &convener, "mode=next", "303");
    let _ = child.kill();
    let _ = child.wait();
    let o = entente(&["verify-log", &url]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
    let _ = std::fs::remove_dir_all(&dir);
}
