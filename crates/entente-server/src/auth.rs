//! Invitations and sign-in: a random token (256 bits, hex) stored only as
//! its SHA-256; revocable; expiring. A request is signed in by the
//! `entente` cookie a `/join/TOKEN` link sets, or by `Authorization: Bearer
//! TOKEN` (agents). Forms carry a CSRF token derived from the session's
//! token, checked on every POST signed in by cookie.

use entente_talks::actors::ActorRef;
use entente_talks::log::Role;
use entente_talks::role_of;
use rand::RngExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::chain::hex;
use crate::db::{Db, DbError, Invitation};

/// What an invitation grants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "grant")]
pub enum Grant {
    /// The convener: creates rooms, chairs them (reads as the mediators and
    /// acts as the first co-mediator), invites, revokes, advances the clock.
    Convener,
    /// A seat of one room.
    Seat { actor: ActorRef },
}

impl Grant {
    /// The role its holder reads the record as.
    pub fn role(&self) -> Role {
        match self {
            Grant::Convener => Role::Mediator,
            Grant::Seat { actor } => role_of(*actor),
        }
    }

    /// The actor its holder acts as.
    pub fn actor(&self) -> ActorRef {
        match self {
            Grant::Convener => ActorRef::Mediator(0),
            Grant::Seat { actor } => *actor,
        }
    }

    pub fn chairs(&self) -> bool {
        matches!(self, Grant::Convener)
    }
}

/// A fresh random token.
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    hex(&bytes)
}

/// A short random id.
pub fn new_id() -> String {
    let bytes: [u8; 8] = rand::rng().random();
    hex(&bytes)
}

/// What is stored of a token.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// The CSRF token of a session's token.
pub fn csrf_of(token: &str) -> String {
    hex(&Sha256::digest(format!("entente-csrf\n{token}").as_bytes()))
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("not signed in: open your invitation link")]
    Missing,
    #[error("this link is not valid (unknown, mistyped or forged)")]
    Unknown,
    #[error("this link was revoked")]
    Revoked,
    #[error("this link has expired")]
    Expired,
    #[error("this link is for another room")]
    OtherRoom,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Who is signed in.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub token: String,
    pub grant: Grant,
    pub room: Option<String>,
    pub invitation: String,
    /// Signed in by cookie (forms must then carry the CSRF token).
    pub by_cookie: bool,
}

impl Viewer {
    pub fn csrf(&self) -> String {
        csrf_of(&self.token)
    }

    /// Whether this viewer may enter `room`.
    pub fn check_room(&self, room: &str) -> Result<(), AuthError> {
        match (&self.grant, &self.room) {
            (Grant::Convener, _) => Ok(()),
            (Grant::Seat { .. }, Some(r)) if r == room => Ok(()),
            _ => Err(AuthError::OtherRoom),
        }
    }
}

/// Issues an invitation: returns the token (shown once) and what is stored.
pub async fn invite(
    db: &Db,
    room: Option<&str>,
    grant: Grant,
    label: &str,
    now_ms: i64,
    valid_ms: i64,
) -> Result<(String, Invitation), DbError> {
    let token = new_token();
    let inv = Invitation {
        id: new_id(),
        room: room.map(str::to_string),
        grant_json: serde_json::to_string(&grant).unwrap_or_default(),
        label: label.to_string(),
        created_ms: now_ms,
        expires_ms: now_ms.saturating_add(valid_ms),
        revoked_ms: None,
    };
    db.insert_invitation(&inv, &token_hash(&token)).await?;
    Ok((token, inv))
}

/// The viewer a token signs in, at `now_ms`.
pub async fn sign_in(db: &Db, token: &str, now_ms: i64, by_cookie: bool) -> Result<Viewer, AuthError> {
    // A token is 64 hex digits: anything else is refused before the database.
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AuthError::Unknown);
    }
    let Some(inv) = db.invitation_by_hash(&token_hash(token)).await? else { return Err(AuthError::Unknown) };
    if inv.revoked_ms.is_some() {
        return Err(AuthError::Revoked);
    }
    if inv.expires_ms <= now_ms {
        return Err(AuthError::Expired);
    }
    let grant: Grant = serde_json::from_str(&inv.grant_json).map_err(|_| AuthError::Unknown)?;
    Ok(Viewer { token: token.to_string(), grant, room: inv.room, invitation: inv.id, by_cookie })
}
