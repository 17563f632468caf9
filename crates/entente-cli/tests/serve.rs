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

/// A server killed (SIGKILL) when the test ends, passed or not.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One HTTP/1.1 request that may fail (the server may be gone): its status line's code and body.
fn try_request(addr: &str, method: &str, path: &str, token: &str, form: &str) -> Option<(String, String)> {
    let mut s = TcpStream::connect(addr).ok()?;
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        form.len()
    )
    .ok()?;
    let mut resp = String::new();
    s.read_to_string(&mut resp).ok()?;
    let code = resp.split_whitespace().nth(1)?.to_string();
    Some((code, resp.split_once("\r\n\r\n").map(|x| x.1.to_string()).unwrap_or_default()))
}

/// A JSON POST that may fail: its status line's code and body.
fn try_json(addr: &str, path: &str, token: &str, body: &str) -> Option<(String, String)> {
    let mut s = TcpStream::connect(addr).ok()?;
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut resp = String::new();
    s.read_to_string(&mut resp).ok()?;
    let code = resp.split_whitespace().nth(1)?.to_string();
    Some((code, resp.split_once("\r\n\r\n").map(|x| x.1.to_string()).unwrap_or_default()))
}

/// What a client got of an event stream: `(id, entry)`.
type Entries = std::sync::Arc<std::sync::Mutex<Vec<(u64, serde_json::Value)>>>;

/// A client of a room's event stream (JSON), in a thread: the `(id, entry)`
/// of every complete event, until the connection ends.
fn sse_client(
    addr: String,
    path: String,
    token: String,
    last: Option<u64>,
    max: usize,
) -> (Entries, std::thread::JoinHandle<()>) {
    let got: Entries = Default::default();
    let sink = std::sync::Arc::clone(&got);
    let mut s = TcpStream::connect(&addr).expect("connect");
    let last = last.map_or(String::new(), |l| format!("Last-Event-ID: {l}\r\n"));
    write!(s, "GET {path}?format=json HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n{last}\r\n")
        .expect("send");
    let handle = std::thread::spawn(move || {
        let mut raw: Vec<u8> = Vec::new();
        let mut text = String::new();
        let mut headers = false;
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            let n = match s.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            raw.extend_from_slice(&chunk[..n]);
            if !headers {
                let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else { continue };
                assert!(raw.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&raw));
                raw.drain(..end + 4);
                headers = true;
            }
            // Chunked: SIZE\r\nDATA\r\n; whole chunks, then whole events.
            while let Some(eol) = raw.windows(2).position(|w| w == b"\r\n") {
                let Ok(size) = usize::from_str_radix(String::from_utf8_lossy(&raw[..eol]).trim(), 16) else { return };
                if raw.len() < eol + 2 + size + 2 {
                    break;
                }
                text.push_str(&String::from_utf8_lossy(&raw[eol + 2..eol + 2 + size]));
                raw.drain(..eol + 2 + size + 2);
            }
            while let Some(end) = text.find("\n\n") {
                let block: String = text.drain(..end + 2).collect();
                let id = block.lines().find_map(|l| l.strip_prefix("id:")).and_then(|v| v.trim().parse().ok());
                let data = block.lines().find_map(|l| l.strip_prefix("data:")).map(str::trim);
                if let (Some(id), Some(data)) = (id, data) {
                    let v = serde_json::from_str(data).expect("an entry");
                    let mut got = sink.lock().unwrap_or_else(|e| e.into_inner());
                    got.push((id, v));
                    if got.len() >= max {
                        return; // the connection breaks
                    }
                }
            }
        }
    });
    (got, handle)
}

/// Makes moves in the demo room until the server is gone or `tx` is
/// dropped: the person's move when the page offers one, else the chair's
/// "until someone's turn"; after each acknowledged move, the log as the
/// chair reads it then is sent on `tx`.
fn mover(
    addr: String,
    room: String,
    convener: String,
    seat: String,
    tx: std::sync::mpsc::Sender<serde_json::Value>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        loop {
            // The person's move when the page offers one, else the chair's "until someone's turn".
            let Some((_, page)) = try_request(&addr, "GET", &room, &seat, "") else { return };
            let offered = page.split("name=\"answer\" value=\"").skip(1).filter_map(|rest| {
                let v = rest.split('"').next()?;
                Some(v.replace("&#34;", "\"").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&"))
            });
            let mut offered = offered.filter(|a| !a.contains("\"end\"") && !a.contains("\"call_vote\""));
            let acted = match offered.next() {
                Some(answer) => {
                    let body = format!("{{\"answer\":{answer}}}");
                    let Some((code, _)) = try_json(&addr, &format!("/api{room}/act"), &seat, &body) else { return };
                    code == "200"
                }
                None => false,
            };
            if !acted {
                let Some((code, _)) = try_request(&addr, "POST", &format!("{room}/advance"), &convener, "mode=turn")
                else {
                    return;
                };
                if code != "303" {
                    return;
                }
            }
            let Some((_, body)) = try_request(&addr, "GET", &format!("{room}/log.json"), &convener, "") else {
                return;
            };
            let Ok(log) = serde_json::from_str::<serde_json::Value>(&body) else { return };
            if tx.send(log["entries"].clone()).is_err() {
                return;
            }
        }
    })
}

#[test]
fn kill_9_while_clients_watch_and_moves_are_made_then_they_reconnect_and_catch_up() {
    let dir = std::env::temp_dir().join(format!("entente-serve-kill-live-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = format!("sqlite:{}", dir.join("talks.db").display());
    let (child, out) = start(&url);
    let mut child = Killed(child);
    let base = out[0].split_whitespace().nth(2).unwrap_or("").to_string();
    let addr = base.trim_start_matches("http://").to_string();
    let convener = field(&out, "convener's first sign-in link").rsplit('/').next().unwrap_or_default().to_string();
    let seat = field(&out, "your seat").rsplit('/').next().unwrap_or_default().to_string();
    let room = field(&out, "demo room:").trim_start_matches(&base).to_string();
    // Three browsers watch: the chair (the mediators' record), the
    // delegation's seat, and the chair again on a connection that breaks
    // after 5 entries.
    let tokens = [convener.clone(), seat.clone(), convener.clone()];
    let clients: Vec<_> = tokens
        .iter()
        .zip([usize::MAX, usize::MAX, 5])
        .map(|(t, max)| sse_client(addr.clone(), format!("{room}/events"), t.clone(), None, max))
        .collect();
    // The chair moves the clock as fast as the server answers; after each
    // acknowledged move, the log as the chair reads it then is noted.
    let (tx, rx) = std::sync::mpsc::channel::<serde_json::Value>();
    let moving = mover(addr.clone(), room.clone(), convener.clone(), seat.clone(), tx);
    // Killed in the middle of it (SIGKILL), after 25 acknowledged moves.
    let mut acknowledged = serde_json::Value::Null;
    for _ in 0..25 {
        acknowledged = rx.recv_timeout(std::time::Duration::from_secs(30)).expect("an acknowledged move");
    }
    child.0.kill().expect("kill -9");
    let _ = child.0.wait();
    let _ = moving.join();
    while let Ok(log) = rx.try_recv() {
        acknowledged = log;
    }
    let acknowledged = acknowledged.as_array().cloned().unwrap_or_default();
    assert!(!acknowledged.is_empty());
    let before: Vec<Vec<(u64, serde_json::Value)>> = clients
        .into_iter()
        .map(|(got, h)| {
            let _ = h.join(); // the connection ends with the server
            got.lock().unwrap_or_else(|e| e.into_inner()).clone()
        })
        .collect();

    // Restarted on the same file (another port): the clients reconnect with
    // the last id they got and catch up.
    let (child, out) = start(&url);
    let child = Killed(child);
    let base = out[0].split_whitespace().nth(2).unwrap_or("").to_string();
    let addr = base.trim_start_matches("http://").to_string();
    let clients: Vec<_> = tokens
        .iter()
        .zip(&before)
        .map(|(t, got)| {
            sse_client(addr.clone(), format!("{room}/events"), t.clone(), got.last().map(|x| x.0), usize::MAX)
        })
        .collect();
    // The room goes on after the restart: more moves, seen live.
    let (tx, rx) = std::sync::mpsc::channel::<serde_json::Value>();
    let again = mover(addr.clone(), room.clone(), convener.clone(), seat.clone(), tx);
    for _ in 0..10 {
        rx.recv_timeout(std::time::Duration::from_secs(30)).expect("an acknowledged move after the restart");
    }
    drop(rx);
    let _ = again.join();
    let log: serde_json::Value =
        serde_json::from_str(&get(&addr, &format!("{room}/log.json"), &convener)).expect("json");
    let log = log["entries"].as_array().cloned().unwrap_or_default();
    println!(
        "kill -9: {} entries acknowledged, {:?} streamed before the kill, {} in the log after the restart",
        acknowledged.len(),
        before.iter().map(Vec::len).collect::<Vec<_>>(),
        log.len()
    );
    assert!(
        log.len() > acknowledged.len(),
        "{} entries after the restart, {} acknowledged",
        log.len(),
        acknowledged.len()
    );
    assert_eq!(log[..acknowledged.len()], acknowledged[..], "every acknowledged entry is there, as it was");
    for ((token, got), (after, _)) in tokens.iter().zip(&before).zip(&clients) {
        // What this seat may see: its own export from the restarted server.
        let owed: serde_json::Value =
            serde_json::from_str(&get(&addr, &format!("{room}/log.json"), token)).expect("json");
        let owed: Vec<(u64, serde_json::Value)> = owed["entries"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|e| (e["seq"].as_u64().unwrap_or(u64::MAX), e))
            .collect();
        let mut all = Vec::new();
        for _ in 0..100 {
            all = got.iter().cloned().chain(after.lock().unwrap_or_else(|e| e.into_inner()).iter().cloned()).collect();
            if all.len() >= owed.len() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        assert!(!got.is_empty(), "the client got entries before the kill");
        assert_eq!(all.len(), owed.len(), "every entry once (before the kill: {})", got.len());
        assert_eq!(all, owed, "before the kill and after reconnecting: each entry once, in order, as stored");
    }
    drop(child);
    let o = entente(&["verify-log", &url]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A fresh database on the PostgreSQL of the tests (ENTENTE_TEST_POSTGRES);
/// `None` (SKIPPED printed) without one, a failure when CI=true.
fn postgres_database() -> Option<String> {
    let Ok(admin) = std::env::var("ENTENTE_TEST_POSTGRES") else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "ENTENTE_TEST_POSTGRES is not set, and CI=true requires the PostgreSQL tests"
        );
        eprintln!(
            "SKIPPED: two servers on PostgreSQL (set ENTENTE_TEST_POSTGRES, e.g. from scripts/postgres-for-tests)"
        );
        return None;
    };
    let name = format!("entente_cli_relay_{}", std::process::id());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    rt.block_on(async {
        let db = entente_server::db::Db::open(&admin).await.unwrap_or_else(|e| panic!("{admin}: {e}"));
        let _ = db.execute_unchecked(&format!("DROP DATABASE IF EXISTS {name}")).await;
        db.execute_unchecked(&format!("CREATE DATABASE {name}")).await.unwrap_or_else(|e| panic!("{e}"));
    });
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |x| x.0).to_string();
    Some(format!("{base}/{name}"))
}

#[test]
fn two_serve_processes_on_one_postgresql_stream_each_others_moves_live() {
    let Some(url) = postgres_database() else { return };
    let (a, out_a) = start(&url);
    let a = Killed(a);
    let base_a = out_a[0].split_whitespace().nth(2).unwrap_or("").to_string();
    let addr_a = base_a.trim_start_matches("http://").to_string();
    let convener = field(&out_a, "convener's first sign-in link").rsplit('/').next().unwrap_or_default().to_string();
    let seat = field(&out_a, "your seat").rsplit('/').next().unwrap_or_default().to_string();
    let room = field(&out_a, "demo room:").trim_start_matches(&base_a).to_string();
    let (b, out_b) = start(&url);
    let b = Killed(b);
    let addr_b = out_b[0].split_whitespace().nth(2).unwrap_or("").trim_start_matches("http://").to_string();
    // Browsers on B (the chair, the delegation) and on A (the delegation), open before the moves.
    let watchers = [(addr_b.clone(), convener.clone()), (addr_b.clone(), seat.clone()), (addr_a.clone(), seat.clone())];
    let clients: Vec<_> = watchers
        .iter()
        .map(|(addr, t)| sse_client(addr.clone(), format!("{room}/events"), t.clone(), None, usize::MAX))
        .collect();
    // Moves through A, then through B.
    for addr in [&addr_a, &addr_b] {
        let (tx, rx) = std::sync::mpsc::channel::<serde_json::Value>();
        let moving = mover(addr.clone(), room.clone(), convener.clone(), seat.clone(), tx);
        for _ in 0..10 {
            rx.recv_timeout(std::time::Duration::from_secs(30)).expect("an acknowledged move");
        }
        drop(rx);
        let _ = moving.join();
    }
    for ((addr, token), (got, _)) in watchers.iter().zip(&clients) {
        // What this seat may see, as the other server reads the record.
        let other = if addr == &addr_a { &addr_b } else { &addr_a };
        let owed: serde_json::Value =
            serde_json::from_str(&get(other, &format!("{room}/log.json"), token)).expect("json");
        let owed: Vec<(u64, serde_json::Value)> = owed["entries"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|e| (e["seq"].as_u64().unwrap_or(u64::MAX), e))
            .collect();
        for _ in 0..100 {
            if got.lock().unwrap_or_else(|e| e.into_inner()).len() >= owed.len() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
        let all = got.lock().unwrap_or_else(|e| e.into_inner()).clone();
        assert!(owed.len() > 20, "{} entries", owed.len());
        assert_eq!(all, owed, "the stream on {addr}: every entry once, in order, whichever server wrote it");
    }
    drop((a, b));
    let o = entente(&["verify-log", &url]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
}
