//! `entente serve` (live talks, entente-server) and `entente verify-log`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use entente_server::clock::SystemClock;
use entente_server::verify::{self, VerifyError};

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The database: sqlite:FILE, sqlite::memory: (a throwaway one) or postgres://USER@HOST/DB.
    #[arg(long, default_value = "sqlite:entente.db")]
    pub database: String,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Open a room with the reference case, agents in every seat but one delegation's (yours).
    #[arg(long)]
    pub demo: bool,
}

#[derive(Args, Debug)]
pub struct VerifyLogArgs {
    /// A database (sqlite:FILE, postgres://…, or an SQLite file's path) or an export of a room's record
    /// (the JSON of /rooms/ID/record.json, or one event per line).
    pub record: String,
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the server's runtime")
}

pub fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let config = entente_server::Config { database: args.database, listen: args.listen, demo: args.demo };
    runtime()?.block_on(async {
        let (started, listener, state) = entente_server::start(&config, Arc::new(SystemClock)).await?;
        println!("entente serve: {} (database {})", started.url, config.database);
        if let Some(link) = &started.convener_link {
            println!("convener's first sign-in link (valid 7 days; keep it private): {link}");
        }
        if let Some((room, link)) = &started.demo {
            println!("demo room: {}/rooms/{room}", started.url);
            println!("your seat, the delegation of the first party (agents hold every other seat): {link}");
        }
        println!("Ctrl-C stops the server.");
        entente_server::run(listener, state, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The largest export of a room's record that `verify-log` and `talks --record` read.
pub const MAX_RECORD_BYTES: u64 = 512 << 20;

pub fn verify_log(args: VerifyLogArgs) -> anyhow::Result<ExitCode> {
    let r = &args.record;
    let path = PathBuf::from(r);
    let result = if r.starts_with("sqlite:") || r.contains("://") {
        runtime()?.block_on(verify::verify_database(r))
    } else {
        // An SQLite database is told by its header, without reading the rest of it.
        let mut header = [0u8; 16];
        let n = std::fs::File::open(&path)
            .and_then(|mut f| std::io::Read::read(&mut f, &mut header))
            .with_context(|| format!("cannot read {r}"))?;
        if header[..n].starts_with(b"SQLite format 3\0") {
            let url = format!("sqlite:{}?mode=ro", path.display());
            runtime()?.block_on(verify::verify_database(&url))
        } else {
            let text = crate::budget::read_text(&path, MAX_RECORD_BYTES, r, "a record's export")
                .with_context(|| format!("{r} is neither an SQLite database nor a record's export"))?;
            verify::parse_export(&text).and_then(verify::verify_events)
        }
    };
    match result {
        Ok(v) => {
            println!("{r}: {} events in {} room(s); the chain holds and every room replays", v.events, v.rooms);
            Ok(ExitCode::SUCCESS)
        }
        Err(e @ (VerifyError::Broken(_) | VerifyError::Replay { .. })) => {
            println!("{r}: BROKEN: {e}");
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(e.into()),
    }
}
