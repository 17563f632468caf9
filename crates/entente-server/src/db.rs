//! The database: SQLite (a file, or `sqlite::memory:`) or PostgreSQL, one
//! schema, migrations for both ([`MIGRATIONS`]), through sqlx's `Any`
//! driver. The events table is append-only by the database's own triggers
//! (an UPDATE, DELETE or, on PostgreSQL, TRUNCATE is refused).

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, AssertSqlSafe, Row};

use crate::chain::StoredEvent;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database URL {0:?}: expected sqlite:FILE, sqlite::memory: or postgres://…")]
    Url(String),
    #[error("database: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("migration {version} ({name}): {source}")]
    Migration { version: i64, name: &'static str, source: sqlx::Error },
}

/// Which database the URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// One migration: its version, name and statements for each backend.
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sqlite: &'static [&'static str],
    pub postgres: &'static [&'static str],
}

const TABLES: [&str; 3] = [
    "CREATE TABLE rooms (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_ms BIGINT NOT NULL)",
    "CREATE TABLE invitations (id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, room_id TEXT, \
     grant_json TEXT NOT NULL, label TEXT NOT NULL, created_ms BIGINT NOT NULL, expires_ms BIGINT NOT NULL, \
     revoked_ms BIGINT)",
    "CREATE TABLE events (room_id TEXT NOT NULL, seq BIGINT NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL, \
     prev_hash TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (room_id, seq))",
];

/// The schema's migrations, in order.
pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "rooms, invitations, append-only events",
    sqlite: &[
        TABLES[0],
        TABLES[1],
        TABLES[2],
        "CREATE TRIGGER events_no_update BEFORE UPDATE ON events \
         BEGIN SELECT RAISE(ABORT, 'the events are append-only: no update'); END",
        "CREATE TRIGGER events_no_delete BEFORE DELETE ON events \
         BEGIN SELECT RAISE(ABORT, 'the events are append-only: no delete'); END",
    ],
    postgres: &[
        TABLES[0],
        TABLES[1],
        TABLES[2],
        "CREATE FUNCTION entente_events_append_only() RETURNS trigger LANGUAGE plpgsql AS \
         $$ BEGIN RAISE EXCEPTION 'the events are append-only: no %', lower(TG_OP); END $$",
        "CREATE TRIGGER events_no_update_delete BEFORE UPDATE OR DELETE ON events \
         FOR EACH ROW EXECUTE FUNCTION entente_events_append_only()",
        "CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events \
         FOR EACH STATEMENT EXECUTE FUNCTION entente_events_append_only()",
    ],
}];

/// An invitation as stored (the token itself is never stored, only its hash).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invitation {
    pub id: String,
    pub room: Option<String>,
    pub grant_json: String,
    pub label: String,
    pub created_ms: i64,
    pub expires_ms: i64,
    pub revoked_ms: Option<i64>,
}

/// The PostgreSQL channel on which every append is announced (payload:
/// `INSTANCE ROOM LAST_SEQ`), for the other servers on the same database
/// ([`crate::relay`]).
pub const CHANNEL: &str = "entente_events";

#[derive(Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// The URL connected to (PostgreSQL: the relay listens on it).
    url: String,
    /// This connection's own name in the announcements (random), so that a
    /// server skips its own.
    instance: String,
}

impl Db {
    /// Connects to `url` and brings its schema up to date.
    pub async fn connect(url: &str) -> Result<Db, DbError> {
        let db = Db::open(url).await?;
        db.migrate().await?;
        Ok(db)
    }

    /// Connects to `url` as it is (no migration: e.g. to check a record).
    pub async fn open(url: &str) -> Result<Db, DbError> {
        sqlx::any::install_default_drivers();
        let (backend, url, max) = if url == "sqlite::memory:" || url == ":memory:" {
            // One connection: every connection to :memory: is a database of its own.
            (Backend::Sqlite, "sqlite::memory:".to_string(), 1)
        } else if let Some(rest) = url.strip_prefix("sqlite:") {
            let rest = rest.trim_start_matches("//");
            let sep = if rest.contains('?') { '&' } else { '?' };
            let url = if rest.contains("mode=") {
                format!("sqlite://{rest}")
            } else {
                format!("sqlite://{rest}{sep}mode=rwc")
            };
            (Backend::Sqlite, url, 4)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_string(), 8)
        } else {
            return Err(DbError::Url(url.to_string()));
        };
        let pool = AnyPoolOptions::new().max_connections(max).connect(&url).await?;
        Ok(Db { pool, backend, url, instance: crate::auth::new_id() })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL this database was opened with.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The name this server gives itself in the announcements of its appends.
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// Statement text for this backend: `?` placeholders become `$1, $2, …` on PostgreSQL.
    fn sql(&self, s: &str) -> String {
        match self.backend {
            Backend::Sqlite => s.to_string(),
            Backend::Postgres => {
                let mut out = String::with_capacity(s.len() + 8);
                let mut n = 0;
                for c in s.chars() {
                    if c == '?' {
                        n += 1;
                        out.push('$');
                        out.push_str(&n.to_string());
                    } else {
                        out.push(c);
                    }
                }
                out
            }
        }
    }

    /// Applies the migrations not yet applied, each in a transaction.
    pub async fn migrate(&self) -> Result<(), DbError> {
        sqlx::raw_sql("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL)")
            .execute(&self.pool)
            .await?;
        for m in MIGRATIONS {
            let done: Option<i64> =
                sqlx::query_scalar(AssertSqlSafe(self.sql("SELECT version FROM schema_migrations WHERE version = ?")))
                    .bind(m.version)
                    .fetch_optional(&self.pool)
                    .await?;
            if done.is_some() {
                continue;
            }
            let err = |source| DbError::Migration { version: m.version, name: m.name, source };
            let mut tx = self.pool.begin().await.map_err(err)?;
            let statements = match self.backend {
                Backend::Sqlite => m.sqlite,
                Backend::Postgres => m.postgres,
            };
            for s in statements {
                sqlx::raw_sql(AssertSqlSafe(*s)).execute(&mut *tx).await.map_err(err)?;
            }
            sqlx::query(AssertSqlSafe(self.sql("INSERT INTO schema_migrations (version, name) VALUES (?, ?)")))
                .bind(m.version)
                .bind(m.name)
                .execute(&mut *tx)
                .await
                .map_err(err)?;
            tx.commit().await.map_err(err)?;
        }
        Ok(())
    }

    /// The versions of the applied migrations.
    pub async fn applied(&self) -> Result<Vec<i64>, DbError> {
        Ok(sqlx::query_scalar("SELECT version FROM schema_migrations ORDER BY version").fetch_all(&self.pool).await?)
    }

    pub async fn create_room(&self, id: &str, name: &str, created_ms: i64) -> Result<(), DbError> {
        sqlx::query(AssertSqlSafe(self.sql("INSERT INTO rooms (id, name, created_ms) VALUES (?, ?, ?)")))
            .bind(id)
            .bind(name)
            .bind(created_ms)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Every room: `(id, name)`, oldest first.
    pub async fn rooms(&self) -> Result<Vec<(String, String)>, DbError> {
        let rows = sqlx::query("SELECT id, name FROM rooms ORDER BY created_ms, id").fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
    }

    /// Appends events in one transaction (all or none). Two writers racing
    /// for the same sequence number: the second fails on the primary key.
    pub async fn append(&self, events: &[StoredEvent]) -> Result<(), DbError> {
        let mut tx = self.pool.begin().await?;
        let sql = self.sql("INSERT INTO events (room_id, seq, kind, body, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)");
        for e in events {
            sqlx::query(AssertSqlSafe(sql.clone()))
                .bind(&e.room)
                .bind(e.seq)
                .bind(&e.kind)
                .bind(&e.body)
                .bind(&e.prev_hash)
                .bind(&e.hash)
                .execute(&mut *tx)
                .await?;
        }
        if let (Backend::Postgres, Some(last)) = (self.backend, events.last()) {
            // Delivered to the listeners when (and only if) the transaction commits.
            let payload = format!("{} {} {}", self.instance, last.room, last.seq);
            sqlx::query("SELECT 1 FROM pg_notify($1, $2)").bind(CHANNEL).bind(payload).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    fn event(r: &AnyRow) -> Result<StoredEvent, sqlx::Error> {
        Ok(StoredEvent {
            room: r.try_get(0)?,
            seq: r.try_get(1)?,
            kind: r.try_get(2)?,
            body: r.try_get(3)?,
            prev_hash: r.try_get(4)?,
            hash: r.try_get(5)?,
        })
    }

    /// A room's events in order.
    pub async fn events(&self, room: &str) -> Result<Vec<StoredEvent>, DbError> {
        let rows = sqlx::query(AssertSqlSafe(
            self.sql("SELECT room_id, seq, kind, body, prev_hash, hash FROM events WHERE room_id = ? ORDER BY seq"),
        ))
        .bind(room)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(Db::event).collect::<Result<_, _>>()?)
    }

    /// A room's events from sequence number `from` on, in order.
    pub async fn events_from(&self, room: &str, from: i64) -> Result<Vec<StoredEvent>, DbError> {
        let rows = sqlx::query(AssertSqlSafe(self.sql(
            "SELECT room_id, seq, kind, body, prev_hash, hash FROM events WHERE room_id = ? AND seq >= ? ORDER BY seq",
        )))
        .bind(room)
        .bind(from)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(Db::event).collect::<Result<_, _>>()?)
    }

    /// Every event of every room, by room and sequence.
    pub async fn all_events(&self) -> Result<Vec<StoredEvent>, DbError> {
        let rows = sqlx::query("SELECT room_id, seq, kind, body, prev_hash, hash FROM events ORDER BY room_id, seq")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(Db::event).collect::<Result<_, _>>()?)
    }

    /// Runs one statement (for tests that try to tamper with the record).
    pub async fn execute_unchecked(&self, sql: &str) -> Result<u64, DbError> {
        Ok(sqlx::raw_sql(AssertSqlSafe(sql.to_string())).execute(&self.pool).await?.rows_affected())
    }

    pub async fn insert_invitation(&self, inv: &Invitation, token_hash: &str) -> Result<(), DbError> {
        sqlx::query(AssertSqlSafe(self.sql(
            "INSERT INTO invitations (id, token_hash, room_id, grant_json, label, created_ms, expires_ms) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )))
        .bind(&inv.id)
        .bind(token_hash)
        .bind(inv.room.clone())
        .bind(&inv.grant_json)
        .bind(&inv.label)
        .bind(inv.created_ms)
        .bind(inv.expires_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    fn invitation(r: &AnyRow) -> Result<Invitation, sqlx::Error> {
        Ok(Invitation {
            id: r.try_get(0)?,
            room: r.try_get(1)?,
            grant_json: r.try_get(2)?,
            label: r.try_get(3)?,
            created_ms: r.try_get(4)?,
            expires_ms: r.try_get(5)?,
            revoked_ms: r.try_get(6)?,
        })
    }

    const INVITATION: &str =
        "SELECT id, room_id, grant_json, label, created_ms, expires_ms, revoked_ms FROM invitations";

    pub async fn invitation_by_hash(&self, token_hash: &str) -> Result<Option<Invitation>, DbError> {
        let row = sqlx::query(AssertSqlSafe(self.sql(&format!("{} WHERE token_hash = ?", Db::INVITATION))))
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(Db::invitation).transpose()?)
    }

    /// The invitations of a room (`None`: the conveners').
    pub async fn invitations(&self, room: Option<&str>) -> Result<Vec<Invitation>, DbError> {
        let rows = match room {
            Some(r) => {
                sqlx::query(AssertSqlSafe(
                    self.sql(&format!("{} WHERE room_id = ? ORDER BY created_ms, id", Db::INVITATION)),
                ))
                .bind(r.to_string())
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(AssertSqlSafe(format!("{} WHERE room_id IS NULL ORDER BY created_ms, id", Db::INVITATION)))
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        Ok(rows.iter().map(Db::invitation).collect::<Result<_, _>>()?)
    }

    /// Revokes invitation `id` (of `room`); whether there was one to revoke.
    pub async fn revoke(&self, id: &str, room: &str, at_ms: i64) -> Result<bool, DbError> {
        let done = sqlx::query(AssertSqlSafe(
            self.sql("UPDATE invitations SET revoked_ms = ? WHERE id = ? AND room_id = ? AND revoked_ms IS NULL"),
        ))
        .bind(at_ms)
        .bind(id)
        .bind(room)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }
}
