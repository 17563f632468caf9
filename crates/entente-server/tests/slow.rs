//! A slow client: a browser that opens a room's event stream and never
//! reads it. It must not hold up the other viewers of its room or of other
//! rooms, and the server must not hold more and more for it: its connection
//! is dropped once its (bounded) buffer is full and it has taken nothing
//! for a while; reconnecting with `Last-Event-ID`, it is sent the rest,
//! every entry once.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use entente_server::conn::ServeOptions;
use entente_talks::actors::ActorRef;
use entente_talks::log::{Role, export_for};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// The complete events of an HTTP/1.1 chunked server-sent event stream read
/// so far: the ids of the events whose block ended (a blank line), in order.
#[derive(Default)]
struct Decoder {
    raw: Vec<u8>,
    headers_done: bool,
    text: String,
}

impl Decoder {
    fn push(&mut self, bytes: &[u8]) -> Vec<u64> {
        self.raw.extend_from_slice(bytes);
        if !self.headers_done {
            let Some(end) = self.raw.windows(4).position(|w| w == b"\r\n\r\n") else { return Vec::new() };
            let head = String::from_utf8_lossy(&self.raw[..end]).into_owned();
            assert!(head.starts_with("HTTP/1.1 200"), "{head}");
            assert!(head.to_ascii_lowercase().contains("transfer-encoding: chunked"), "{head}");
            self.raw.drain(..end + 4);
            self.headers_done = true;
        }
        // Whole chunks only: SIZE\r\nDATA\r\n.
        while let Some(eol) = self.raw.windows(2).position(|w| w == b"\r\n") {
            let size = usize::from_str_radix(String::from_utf8_lossy(&self.raw[..eol]).trim(), 16)
                .unwrap_or_else(|e| panic!("a chunk size: {e}"));
            if self.raw.len() < eol + 2 + size + 2 {
                break;
            }
            self.text.push_str(&String::from_utf8_lossy(&self.raw[eol + 2..eol + 2 + size]));
            self.raw.drain(..eol + 2 + size + 2);
        }
        let mut ids = Vec::new();
        while let Some(end) = self.text.find("\n\n") {
            let block: String = self.text.drain(..end + 2).collect();
            if let Some(id) = block.lines().find_map(|l| l.strip_prefix("id:")).and_then(|v| v.trim().parse().ok()) {
                ids.push(id);
            }
        }
        ids
    }
}

fn request(addr: std::net::SocketAddr, room: &str, token: &str, last: Option<u64>) -> String {
    let last = last.map_or(String::new(), |l| format!("Last-Event-ID: {l}\r\n"));
    format!("GET /rooms/{room}/events HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n{last}\r\n")
}

type Arrivals = Arc<Mutex<Vec<(u64, Instant)>>>;

/// A viewer that reads everything as it comes, noting each id's arrival.
async fn viewer(addr: std::net::SocketAddr, room: String, token: String, arrivals: Arrivals) {
    let mut s = TcpStream::connect(addr).await.unwrap_or_else(|e| panic!("{e}"));
    s.write_all(request(addr, &room, &token, None).as_bytes()).await.unwrap_or_else(|e| panic!("{e}"));
    let mut d = Decoder::default();
    let mut chunk = vec![0u8; 64 * 1024];
    while let Ok(n) = s.read(&mut chunk).await {
        if n == 0 {
            return;
        }
        let now = Instant::now();
        let ids = d.push(&chunk[..n]);
        arrivals.lock().unwrap_or_else(|e| e.into_inner()).extend(ids.into_iter().map(|i| (i, now)));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_reads_is_dropped_without_holding_up_the_others_and_catches_up() {
    let f = fixture("sqlite::memory:").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("{e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    let stall = Duration::from_secs(2);
    let options = ServeOptions { stall, send_buffer: Some(4096) };
    let state = f.state.clone();
    tokio::spawn(entente_server::run_with(listener, state, options, std::future::pending()));
    // Two rooms of the reference case, every seat simulated.
    let mut rooms = Vec::new();
    for k in 0..2 {
        let id = f
            .state
            .open_room(&format!("slow {k}"), entente_server::REFERENCE_TALKS, &[], false)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        rooms.push(id);
    }
    let room0 = f.state.room(&rooms[0]).await.ok().flatten().unwrap_or_else(|| panic!("no room"));
    let held_before = Arc::strong_count(&room0);

    // The slow client: a small receive buffer, and it never reads.
    let slow_token = f.seat(&rooms[0], ActorRef::Observer).await;
    let socket = TcpSocket::new_v4().unwrap_or_else(|e| panic!("{e}"));
    socket.set_recv_buffer_size(2048).unwrap_or_else(|e| panic!("{e}"));
    let mut slow = socket.connect(addr).await.unwrap_or_else(|e| panic!("{e}"));
    slow.write_all(request(addr, &rooms[0], &slow_token, None).as_bytes()).await.unwrap_or_else(|e| panic!("{e}"));
    // Viewers that read: one in the slow client's room (the mediators), one in the other room.
    let mut watchers = Vec::new();
    for (room, actor, role) in
        [(&rooms[0], ActorRef::Mediator(0), Role::Mediator), (&rooms[1], ActorRef::Observer, Role::Observer)]
    {
        let arrivals: Arrivals = Arc::default();
        let token = f.seat(room, actor).await;
        tokio::spawn(viewer(addr, room.clone(), token, Arc::clone(&arrivals)));
        watchers.push((room.clone(), role, arrivals));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(Arc::strong_count(&room0) > held_before, "the slow client's stream holds the room");

    // The chairs run both rooms to their end, one step at a time.
    let mut steps: Vec<(String, u64, u64, Instant)> = Vec::new(); // room, log before, after, start
    let mut running = [true, true];
    while running.iter().any(|r| *r) {
        for (k, id) in rooms.iter().enumerate() {
            if !running[k] {
                continue;
            }
            let room = f.state.room(id).await.ok().flatten().unwrap_or_else(|| panic!("no room"));
            let mut r = room.lock().await;
            let before = r.log_len();
            let t0 = Instant::now();
            if r.next(&f.state.db).await.is_err() {
                running[k] = false;
                continue;
            }
            steps.push((id.clone(), before, r.log_len(), t0));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let logs: Vec<_> = {
        let mut out = Vec::new();
        for id in &rooms {
            let room = f.state.room(id).await.ok().flatten().unwrap_or_else(|| panic!("no room"));
            out.push(room.lock().await.round().log().clone());
        }
        out
    };
    tokio::time::sleep(Duration::from_millis(500)).await;

    // The viewers that read got every entry once, each step's promptly
    // (within a second of the step: the slow client holds up nothing).
    let mut worst = Duration::ZERO;
    for (room, role, arrivals) in &watchers {
        let k = rooms.iter().position(|r| r == room).unwrap_or(0);
        let expected: Vec<u64> = export_for(&logs[k], *role).iter().map(|e| e.seq).collect();
        let got = arrivals.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let ids: Vec<u64> = got.iter().map(|x| x.0).collect();
        assert_eq!(ids, expected, "{role:?} in room {k}: every entry once, in order");
        for (_, before, after, t0) in steps.iter().filter(|s| &s.0 == room) {
            if let Some((_, t)) = got.iter().find(|(i, _)| (*before..*after).contains(i)) {
                worst = worst.max(t.duration_since(*t0));
            }
        }
    }
    println!("slow client: the readers' worst delay from a step to its first entry: {worst:?}");
    assert!(worst < Duration::from_secs(1), "a reader waited {worst:?}");

    // The slow client's connection was dropped once it had taken nothing for
    // `stall`: the server no longer holds its stream.
    tokio::time::sleep(stall + Duration::from_secs(1)).await;
    assert_eq!(Arc::strong_count(&room0), held_before + 1, "only the reading viewer's stream holds the room");
    let expected: Vec<u64> = export_for(&logs[0], Role::Observer).iter().map(|e| e.seq).collect();
    let mut d = Decoder::default();
    let mut first = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let mut closed = false;
    loop {
        match tokio::time::timeout(Duration::from_secs(5), slow.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) => {
                closed = true;
                break;
            }
            Ok(Ok(n)) => first.extend(d.push(&chunk[..n])),
            Err(_) => break,
        }
    }
    assert!(closed, "the server closed the slow client's stream");
    assert!(
        first.len() < expected.len(),
        "it was dropped before it had everything ({} of {})",
        first.len(),
        expected.len()
    );
    assert_eq!(first[..], expected[..first.len()], "what it got is the start of its entries, in order, once");
    // It reconnects with the last id it got and is sent the rest, once.
    let mut s = TcpStream::connect(addr).await.unwrap_or_else(|e| panic!("{e}"));
    s.write_all(request(addr, &rooms[0], &slow_token, first.last().copied()).as_bytes())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut d = Decoder::default();
    let mut rest = Vec::new();
    while first.len() + rest.len() < expected.len() {
        match tokio::time::timeout(Duration::from_secs(5), s.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => rest.extend(d.push(&chunk[..n])),
            _ => break,
        }
    }
    let all: Vec<u64> = first.iter().chain(&rest).copied().collect();
    assert_eq!(all, expected, "after reconnecting: every entry once, in order");
    println!("slow client: dropped after {} of {} entries; the rest after reconnecting", first.len(), expected.len());
}
