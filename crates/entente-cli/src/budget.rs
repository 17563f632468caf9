//! The memory budget: a request's memory is estimated before anything is
//! allocated, and a request above the budget is refused with the flag or field
//! that asks for it, the figure, the limit and how to raise it.
//!
//! The budget is 2 GiB unless `--memory-budget SIZE` (any subcommand) or the
//! environment variable `ENTENTE_MEMORY_BUDGET` says otherwise. The estimates
//! are upper bounds of what the engine keeps (per outcome, per value, per offer
//! or per draw), measured on debug and release builds.

use std::fmt::Display;
use std::path::Path;
use std::sync::OnceLock;

use anyhow::bail;
use entente_model::Scenario;

/// The budget when none is given: 2 GiB.
pub const DEFAULT_BUDGET: u64 = 2 << 30;

/// Per outcome and party: its utility table (8 bytes), its outcomes sorted by utility (12) and the sort's buffers.
pub const TABLE_BYTES_PER_OUTCOME_AND_PARTY: u128 = 40;
/// Per outcome, for the analysis of the tables (the frontier's sweep or skyline).
pub const ANALYSIS_BYTES_PER_OUTCOME: u128 = 24;
/// Per value of an issue and party, for the issue-by-issue merge (value utilities and the issue's frontier).
pub const MERGE_BYTES_PER_VALUE_AND_PARTY: u128 = 24;
/// Per value of an issue, whatever the parties (the value itself).
pub const BYTES_PER_VALUE: u128 = 16;
/// Per offer of a negotiation kept for the report: a base, and per party and per issue.
pub const OFFER_BYTES: (u128, u128, u128) = (64, 16, 16);
/// Per offer, added by the JSON document (per party and per issue).
pub const OFFER_JSON_BYTES_PER_FIELD: u128 = 300;

/// Per Monte Carlo draw of `analyze` (each draw's zones and ratification are kept until counted).
pub const DRAW_BYTES: u128 = 512;
/// Per point of a real GENIUS issue (the value, and each party's utility of it).
pub const REAL_POINT_BYTES: u128 = 32;

static BUDGET: OnceLock<u64> = OnceLock::new();

/// Parses `512M`, `8G`, `2GiB`, `1500000000` (bytes).
pub fn parse_size(text: &str) -> anyhow::Result<u64> {
    let t = text.trim();
    let digits = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (number, unit) = t.split_at(digits);
    let x: f64 = number.parse().map_err(|_| anyhow::anyhow!("{text:?}: expected a size such as 512M, 8G or 2GiB"))?;
    let scale: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" | "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => bail!("{text:?}: expected a size such as 512M, 8G or 2GiB"),
    };
    let bytes = x * scale;
    if !(bytes.is_finite() && bytes >= 1.0 && bytes < u64::MAX as f64) {
        bail!("{text:?}: expected a size of at least 1 byte");
    }
    Ok(bytes as u64)
}

/// Sets the budget from `--memory-budget`, else `ENTENTE_MEMORY_BUDGET`, else [`DEFAULT_BUDGET`]. Once.
pub fn init(flag: Option<&str>) -> anyhow::Result<()> {
    let bytes = match flag {
        Some(f) => parse_size(f).map_err(|e| anyhow::anyhow!("--memory-budget {e}"))?,
        None => match std::env::var("ENTENTE_MEMORY_BUDGET") {
            Ok(v) => parse_size(&v).map_err(|e| anyhow::anyhow!("ENTENTE_MEMORY_BUDGET={e}"))?,
            Err(_) => DEFAULT_BUDGET,
        },
    };
    let _ = BUDGET.set(bytes);
    Ok(())
}

/// The budget in bytes.
pub fn budget() -> u64 {
    *BUDGET.get().unwrap_or(&DEFAULT_BUDGET)
}

/// `1.5 GiB`, `800.0 MiB`, `12 KiB`…
pub fn human(bytes: u128) -> String {
    const UNITS: [&str; 6] = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut x = bytes as f64;
    let mut unit = 0;
    while x >= 1024.0 && unit + 1 < UNITS.len() {
        x /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} bytes") } else { format!("{x:.1} {}", UNITS[unit]) }
}

/// Refuses `needed` bytes above the budget: `what` (the flag or field and its value) "needs about …";
/// `lower` says how to ask for less.
pub fn check(needed: u128, what: impl Display, lower: &str) -> anyhow::Result<()> {
    let limit = budget();
    if needed > limit as u128 {
        bail!(
            "{what} needs about {} of memory, above the memory budget of {}: {lower}, or raise the budget with \
             --memory-budget SIZE (e.g. --memory-budget 8G) or ENTENTE_MEMORY_BUDGET=SIZE",
            human(needed),
            human(limit as u128)
        );
    }
    Ok(())
}

/// Reads the text file `path` for `what` (the flag or the file, for messages), refusing one of more than `max`
/// bytes (`kind`, e.g. "a record file", is at most …) before reading it.
pub fn read_text(path: &Path, max: u64, what: impl Display, kind: &str) -> anyhow::Result<String> {
    use anyhow::Context as _;
    let len = std::fs::metadata(path).with_context(|| format!("{what}: cannot read it"))?.len();
    if len > max {
        bail!("{what}: {len} bytes; {kind} is at most {max} bytes");
    }
    std::fs::read_to_string(path).with_context(|| format!("{what}: cannot read it as text"))
}

/// Where a scenario's space comes from, for messages.
fn space_words(scenario: &Scenario) -> String {
    let n = scenario.space.cardinality();
    format!("the space of {n} outcomes of {:?} ({} parties)", scenario.name, scenario.parties.len())
}

/// The utility tables of every party over the whole space, and their analysis.
pub fn check_tables(scenario: &Scenario) -> anyhow::Result<()> {
    let n = scenario.space.cardinality();
    let p = scenario.parties.len() as u128;
    let needed = n
        .saturating_mul(p.saturating_mul(TABLE_BYTES_PER_OUTCOME_AND_PARTY).saturating_add(ANALYSIS_BYTES_PER_OUTCOME));
    check(
        needed,
        format!("Tabulating {}", space_words(scenario)),
        "choose fewer issues or values (for a GENIUS real issue, a smaller --real-steps)",
    )
}

/// The issue-by-issue merge: each issue's values, for every party.
pub fn check_issue_values(scenario: &Scenario) -> anyhow::Result<()> {
    let p = scenario.parties.len() as u128;
    for (issue, &r) in scenario.space.issues().iter().zip(scenario.space.radices()) {
        let needed = (r as u128).saturating_mul(BYTES_PER_VALUE + p * MERGE_BYTES_PER_VALUE_AND_PARTY);
        check(
            needed,
            format!("Issue {:?} of {:?}, with {r} values,", issue.name, scenario.name),
            "give the issue fewer values",
        )?;
    }
    Ok(())
}

/// The offers of `runs` negotiations of `n_steps` rounds (every party offering each round), kept for the report.
pub fn check_offers(scenario: &Scenario, runs: u128, json: bool, what: impl Display) -> anyhow::Result<()> {
    let p = scenario.parties.len() as u128;
    let i = scenario.space.issues().len() as u128;
    let (base, per_party, per_issue) = OFFER_BYTES;
    let mut per_offer = base + p * per_party + i * per_issue;
    if json {
        per_offer += (p + i) * OFFER_JSON_BYTES_PER_FIELD;
    }
    let offers = (scenario.config.n_steps as u128).saturating_mul(p).saturating_mul(runs);
    check(offers.saturating_mul(per_offer), what, "ask for fewer rounds")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_and_print() {
        assert_eq!(parse_size("512M").unwrap(), 512 << 20);
        assert_eq!(parse_size("8G").unwrap(), 8 << 30);
        assert_eq!(parse_size("2GiB").unwrap(), 2 << 30);
        assert_eq!(parse_size("1.5g").unwrap(), 3 << 29);
        assert_eq!(parse_size("1000").unwrap(), 1000);
        assert!(parse_size("-1G").is_err() && parse_size("lots").is_err() && parse_size("0").is_err());
        assert_eq!(human(2 << 30), "2.0 GiB");
        assert_eq!(human(10), "10 bytes");
    }
}
