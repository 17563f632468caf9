//! The hash chain of a room's record.
//!
//! Every event of a room is stored with its sequence number (0, 1, 2, …),
//! its kind, its body (canonical JSON: the serialisation of a typed value,
//! fields in declaration order), the hash of the event before it and its own
//! hash:
//!
//! ```text
//! hash = hex(sha256(prev_hash ‖ "\n" ‖ room ‖ "\n" ‖ seq ‖ "\n" ‖ kind ‖ "\n" ‖ body))
//! ```
//!
//! the first event's `prev_hash` being [`GENESIS`] (64 zeros). Changing any
//! stored byte of an event changes its hash, and so breaks the link to the
//! next one: [`verify`] names the first event whose link does not hold.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The `prev_hash` of a room's first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One stored event of a room, as it is in the database and in an export.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredEvent {
    pub room: String,
    pub seq: i64,
    pub kind: String,
    pub body: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of an event.
pub fn hash(prev_hash: &str, room: &str, seq: i64, kind: &str, body: &str) -> String {
    let mut h = Sha256::new();
    for (i, part) in [prev_hash, room, &seq.to_string(), kind, body].iter().enumerate() {
        if i > 0 {
            h.update(b"\n");
        }
        h.update(part.as_bytes());
    }
    hex(&h.finalize())
}

/// Lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Why a chain does not hold, at its first broken link.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BrokenLink {
    #[error("room {room}: event {seq} is missing (found event {found} in its place)")]
    Gap { room: String, seq: i64, found: i64 },
    #[error("room {room}: event {seq} does not follow event {prev}: its prev_hash is not that event's hash")]
    Link { room: String, seq: i64, prev: i64 },
    #[error("room {room}: event {seq} was altered: its hash does not match its content")]
    Altered { room: String, seq: i64 },
}

/// Checks the chains of the events given (any number of rooms, each room's
/// events in sequence order); `Ok` with the number of events checked, or
/// the first broken link.
pub fn verify(events: &[StoredEvent]) -> Result<usize, BrokenLink> {
    let mut last: std::collections::BTreeMap<&str, (i64, &str)> = std::collections::BTreeMap::new();
    for e in events {
        let (expected_seq, prev) = match last.get(e.room.as_str()) {
            Some(&(seq, hash)) => (seq + 1, hash),
            None => (0, GENESIS),
        };
        if e.seq != expected_seq {
            return Err(BrokenLink::Gap { room: e.room.clone(), seq: expected_seq, found: e.seq });
        }
        if e.prev_hash != prev {
            return Err(BrokenLink::Link { room: e.room.clone(), seq: e.seq, prev: e.seq - 1 });
        }
        if hash(&e.prev_hash, &e.room, e.seq, &e.kind, &e.body) != e.hash {
            return Err(BrokenLink::Altered { room: e.room.clone(), seq: e.seq });
        }
        last.insert(&e.room, (e.seq, &e.hash));
    }
    Ok(events.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_the_empty_string_and_abc() {
        // FIPS 180-2's test vectors.
        assert_eq!(hex(&Sha256::digest(b"")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(hex(&Sha256::digest(b"abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn the_hash_covers_every_field_separated() {
        // By hand: sha256("0…0\nr\n0\nk\n{}").
        let mut h = Sha256::new();
        h.update(format!("{GENESIS}\nr\n0\nk\n{{}}").as_bytes());
        assert_eq!(hash(GENESIS, "r", 0, "k", "{}"), hex(&h.finalize()));
        // Moving a byte from one field to the next changes the hash.
        assert_ne!(hash(GENESIS, "r", 0, "k", "{}"), hash(GENESIS, "r", 0, "", "k\n{}"));
    }

    fn chain(n: i64) -> Vec<StoredEvent> {
        let mut prev = GENESIS.to_string();
        (0..n)
            .map(|seq| {
                let body = format!("{{\"n\":{seq}}}");
                let h = hash(&prev, "r", seq, "k", &body);
                let e = StoredEvent {
                    room: "r".into(),
                    seq,
                    kind: "k".into(),
                    body,
                    prev_hash: prev.clone(),
                    hash: h.clone(),
                };
                prev = h;
                e
            })
            .collect()
    }

    #[test]
    fn a_chain_verifies_and_each_kind_of_tampering_is_named() {
        let c = chain(5);
        assert_eq!(verify(&c), Ok(5));
        let mut altered = c.clone();
        altered[2].body = "{\"n\":7}".into();
        assert_eq!(verify(&altered), Err(BrokenLink::Altered { room: "r".into(), seq: 2 }));
        // Altered and re-hashed: the next link breaks.
        altered[2].hash = hash(&altered[2].prev_hash, "r", 2, "k", &altered[2].body);
        assert_eq!(verify(&altered), Err(BrokenLink::Link { room: "r".into(), seq: 3, prev: 2 }));
        let mut removed = c.clone();
        removed.remove(1);
        assert_eq!(verify(&removed), Err(BrokenLink::Gap { room: "r".into(), seq: 1, found: 2 }));
        // Truncating the tail is not detectable from the chain alone: the
        // database's triggers refuse deletes.
        assert_eq!(verify(&c[..3]), Ok(3));
    }
}
