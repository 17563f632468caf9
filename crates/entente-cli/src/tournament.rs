//! `entente tournament`, `entente merge` and `entente tournament-bench`: the
//! files around the `entente-tournament` library.
//!
//! An output folder holds `manifest.json` (format, the tournament's
//! fingerprint, shard, strategy labels), `records.jsonl` (one record a line,
//! in id order, appended as chunks complete) and, once every negotiation of
//! the shard is done, `records.csv`, `summary.json` and `summary.txt`.
//! Rerunning into the same folder resumes: complete lines are kept, a line cut
//! by a kill is dropped, and only the missing ids run.

use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anyhow::{Context, anyhow, bail};
use clap::{Args, Subcommand};
use entente_model::{Scenario, StrategyOptions, StrategySpec};
use entente_tournament::SummaryOptions;
use entente_tournament::random_scenario;
use entente_tournament::{Entry, Record, ScenarioEntry, Shard, Tournament, TournamentSpec, summarize};
use serde::{Deserialize, Serialize};

#[derive(Subcommand)]
pub enum TournamentCommand {
    /// Run a tournament of strategies over scenarios (see docs/tournaments.md).
    Tournament(TournamentArgs),
    /// Combine the output folders of the shards of one tournament into one.
    Merge(MergeArgs),
    /// Negotiations per second of a tournament of the classic strategies, end to end.
    TournamentBench(BenchArgs),
    /// Vary scenario parameters over a grid or random draws: the probability of agreement per setting.
    Sweep(crate::sweep::SweepArgs),
    /// Join the JSON documents of a sweep's shards (`entente sweep --shard i/k --json`) into the whole sweep's.
    SweepMerge(crate::sweep::SweepMergeArgs),
}

#[derive(Args)]
pub struct TournamentArgs {
    /// The tournament's configuration (TOML).
    pub config: PathBuf,
    /// Output folder (created; rerun with the same folder to resume).
    #[arg(long, short)]
    pub out: PathBuf,
    /// Worker threads (0: all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Run only part i of k (1-based) of the negotiations.
    #[arg(long, value_name = "i/k")]
    pub shard: Option<String>,
    /// No progress bar.
    #[arg(long)]
    pub no_progress: bool,
    /// Print the plan's size and stop.
    #[arg(long)]
    pub dry_run: bool,
    /// Negotiations per chunk: records are written and flushed chunk by chunk.
    #[arg(long, default_value_t = 4096, hide = true)]
    pub chunk: usize,
    /// Disk budget in bytes for the records (default: the free space of the output folder's disk);
    /// a tournament whose records would exceed it is refused before it starts.
    #[arg(long, value_name = "BYTES")]
    pub max_disk: Option<u64>,
}

#[derive(Args)]
pub struct MergeArgs {
    /// Output folder of the merged tournament (new or empty).
    pub out: PathBuf,
    /// The shards' output folders (every shard of the tournament, any order).
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
}

#[derive(Args)]
pub struct BenchArgs {
    /// Issues of the random scenarios.
    #[arg(long, default_value_t = 3)]
    pub issues: usize,
    /// Values per issue.
    #[arg(long, default_value_t = 10)]
    pub values: u32,
    /// Random scenarios.
    #[arg(long, default_value_t = 10)]
    pub scenarios: u64,
    /// Repetitions of each negotiation.
    #[arg(long, default_value_t = 20)]
    pub repetitions: u32,
    /// Rounds per negotiation.
    #[arg(long, default_value_t = 100)]
    pub steps: u32,
    /// Folder for the records (default: a folder in the system's temporary directory).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Thread counts to measure.
    #[arg(long, value_delimiter = ',', default_value = "1,2")]
    pub threads: Vec<usize>,
    /// Also run NegMAS 0.16's cartesian_tournament (scripts/negmas_tournament.py) in the same run, on the
    /// first --negmas-scenarios of the same scenarios, and print both rates and their ratio.
    #[arg(long)]
    pub negmas: bool,
    /// Python with negmas==0.16.0 (default: $NEGMAS_VENV/bin/python, else /work/negmas-venv/bin/python,
    /// else /tmp/negmas-venv/bin/python, else python3).
    #[arg(long, value_name = "PATH")]
    pub negmas_python: Option<PathBuf>,
    /// Scenarios NegMAS plays (it runs some 20 negotiations per second).
    #[arg(long, default_value_t = 2, value_name = "N")]
    pub negmas_scenarios: u64,
    /// NegMAS's repetitions.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub negmas_repetitions: u32,
    /// NegMAS's njobs (-1: serial, its default; 0: all cores).
    #[arg(long, default_value_t = -1, allow_hyphen_values = true, value_name = "N")]
    pub negmas_njobs: i32,
}

pub fn run(cmd: TournamentCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        TournamentCommand::Tournament(a) => tournament(a),
        TournamentCommand::Merge(a) => merge(a),
        TournamentCommand::TournamentBench(a) => bench(a),
        TournamentCommand::Sweep(a) => crate::sweep::run(a),
        TournamentCommand::SweepMerge(a) => crate::sweep::merge(a),
    }
}

// ---------------------------------------------------------------------------
// Configuration

/// The configuration file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    #[serde(default)]
    seed: u64,
    #[serde(default = "one")]
    repetitions: u32,
    #[serde(default = "yes")]
    self_play: bool,
    #[serde(default = "yes")]
    rotate_preferences: bool,
    /// Rounds for scenarios that do not say (default: each scenario's own).
    n_steps: Option<u32>,
    /// Seconds per negotiation for scenarios that do not say (default: none).
    time_limit: Option<f64>,
    #[serde(default)]
    strategies: Vec<StrategyConfig>,
    #[serde(default)]
    scenarios: Vec<ScenarioConfig>,
    #[serde(default)]
    generate: Vec<GenerateConfig>,
}

fn one() -> u32 {
    1
}
fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StrategyConfig {
    name: String,
    label: Option<String>,
    exponent: Option<f64>,
    tolerance: Option<f64>,
    max_aspiration: Option<f64>,
    rational_only: Option<bool>,
    kindness: Option<f64>,
    punish: Option<bool>,
    p_accept: Option<f64>,
    p_reject: Option<f64>,
    p_end: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioConfig {
    /// A scenario file (.toml), a GENIUS or GeniusWeb folder, or a folder of such folders.
    path: PathBuf,
    n_steps: Option<u32>,
    /// Seconds per negotiation (wall clock).
    time_limit: Option<f64>,
    /// For folders: the profiles (file stems) that take part.
    profiles: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GenerateConfig {
    issues: usize,
    values: u32,
    #[serde(default = "one")]
    count: u32,
    #[serde(default)]
    seed: u64,
    n_steps: Option<u32>,
    time_limit: Option<f64>,
}

/// Reads a configuration file into a tournament spec (scenarios loaded).
fn read_config(path: &Path) -> anyhow::Result<TournamentSpec> {
    let text = fs::read_to_string(path).with_context(|| format!("reading the configuration {}", path.display()))?;
    parse_config(&text, path.parent().unwrap_or(Path::new(".")))
        .with_context(|| format!("configuration {}", path.display()))
}

fn parse_config(text: &str, base: &Path) -> anyhow::Result<TournamentSpec> {
    let c: Config = toml::from_str(text).map_err(|e| anyhow!("{e}"))?;
    if c.repetitions == 0 {
        bail!("repetitions: must be at least 1");
    }
    if c.n_steps == Some(0) {
        bail!("n_steps: must be at least 1");
    }
    check_time_limit(c.time_limit, "time_limit")?;
    if c.strategies.is_empty() {
        bail!("strategies: give at least one [[strategies]] entry");
    }
    let mut strategies = Vec::with_capacity(c.strategies.len());
    for (i, s) in c.strategies.iter().enumerate() {
        let o = StrategyOptions {
            exponent: s.exponent,
            tolerance: s.tolerance,
            max_aspiration: s.max_aspiration,
            rational_only: s.rational_only,
            kindness: s.kindness,
            punish: s.punish,
            p_accept: s.p_accept,
            p_reject: s.p_reject,
            p_end: s.p_end,
        };
        let spec = StrategySpec::from_name(&s.name, &o).map_err(|e| match e {
            entente_model::StrategyError::Parameter { field, reason } => {
                anyhow!("strategies[{i}].{field} (strategy {:?}): {reason}", s.name)
            }
            e => anyhow!("strategies[{i}].name: {e}"),
        })?;
        let label = s.label.clone().unwrap_or_else(|| s.name.clone());
        if strategies.iter().any(|e: &Entry| e.label == label) {
            bail!("strategies[{i}].label: {label:?} is used twice; give each entry a distinct label");
        }
        strategies.push(Entry { label, spec });
    }
    let mut scenarios = Vec::new();
    let steps = |own: Option<u32>, field: &str, sc: &Scenario| -> anyhow::Result<u32> {
        let n = own.or(c.n_steps).unwrap_or(sc.config.n_steps);
        if n == 0 {
            bail!("{field}.n_steps: must be at least 1");
        }
        Ok(n)
    };
    // A time limit comes from the configuration only (a scenario file's own is not used).
    let limit = |own: Option<f64>, field: &str| -> anyhow::Result<Option<f64>> {
        check_time_limit(own, &format!("{field}.time_limit"))?;
        Ok(own.or(c.time_limit))
    };
    for (i, s) in c.scenarios.iter().enumerate() {
        let path = base.join(&s.path);
        let field = format!("scenarios[{i}]");
        let time_limit = limit(s.time_limit, &field)?;
        for mut sc in load_scenarios(&path, s.profiles.as_deref()).with_context(|| format!("{field}.path"))? {
            let n_steps = steps(s.n_steps, &field, &sc)?;
            sc.config.time_limit = time_limit;
            scenarios.push(ScenarioEntry { scenario: sc, n_steps });
        }
    }
    for (i, g) in c.generate.iter().enumerate() {
        let field = format!("generate[{i}]");
        if g.issues == 0 || g.values < 2 {
            bail!("{field}: needs issues >= 1 and values >= 2");
        }
        let time_limit = limit(g.time_limit, &field)?;
        for k in 0..g.count as u64 {
            let mut sc = random_scenario(g.issues, g.values, g.seed.wrapping_add(k), 100)
                .map_err(|e| anyhow!("{field}: {e}"))?;
            sc.config.time_limit = time_limit;
            let n_steps = steps(g.n_steps, &field, &sc)?;
            scenarios.push(ScenarioEntry { scenario: sc, n_steps });
        }
    }
    if scenarios.is_empty() {
        bail!("scenarios: give at least one [[scenarios]] or [[generate]] entry");
    }
    Ok(TournamentSpec {
        strategies,
        scenarios,
        repetitions: c.repetitions,
        self_play: c.self_play,
        rotate_preferences: c.rotate_preferences,
        seed: c.seed,
    })
}

fn check_time_limit(limit: Option<f64>, field: &str) -> anyhow::Result<()> {
    if let Some(x) = limit
        && !(x.is_finite() && x > 0.0)
    {
        bail!("{field}: must be a positive number of seconds, not {x}");
    }
    Ok(())
}

/// A scenario file or folder, or every scenario in a folder of them (sorted by name).
fn load_scenarios(path: &Path, profiles: Option<&[String]>) -> anyhow::Result<Vec<Scenario>> {
    let opts = entente_formats::ReadOptions::default();
    if path.is_file() || entente_formats::detect_format(path).is_ok() {
        return Ok(vec![entente_formats::load_scenario(path, profiles, &opts)?]);
    }
    if !path.is_dir() {
        bail!("{}: no such file or folder", path.display());
    }
    let mut entries: Vec<PathBuf> = fs::read_dir(path)
        .with_context(|| format!("reading {}", path.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir() || p.extension().is_some_and(|e| e == "toml"))
        .collect();
    entries.sort();
    let mut out = Vec::new();
    for p in entries {
        if p.is_dir() && entente_formats::detect_format(&p).is_err() {
            continue;
        }
        out.push(entente_formats::load_scenario(&p, profiles, &opts).with_context(|| format!("{}", p.display()))?);
    }
    if out.is_empty() {
        bail!("{}: neither a scenario nor a folder of scenarios", path.display());
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Output folders

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Manifest {
    format: String,
    /// The tournament's fingerprint (hex).
    fingerprint: String,
    total: u64,
    shard: Shard,
    seed: u64,
    strategies: Vec<String>,
}

const MANIFEST: &str = "manifest.json";
const RECORDS: &str = "records.jsonl";

fn read_manifest(dir: &Path) -> anyhow::Result<Option<Manifest>> {
    let p = dir.join(MANIFEST);
    if !p.exists() {
        return Ok(None);
    }
    let text = fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?;
    let m: Manifest = serde_json::from_str(&text)
        .map_err(|e| anyhow!("{}: not a tournament manifest (corrupt?): {e}", p.display()))?;
    if m.format != entente_tournament::FORMAT {
        bail!("{}: format {:?}, expected {:?}", p.display(), m.format, entente_tournament::FORMAT);
    }
    Ok(Some(m))
}

/// Checks the records of a folder: every complete line a record of the
/// shard, ids strictly increasing. A last line without its newline (cut by a
/// kill) is cut off the file. Returns the ids done.
fn check_records(dir: &Path, m: &Manifest) -> anyhow::Result<Vec<u64>> {
    let p = dir.join(RECORDS);
    if !p.exists() {
        return Ok(Vec::new());
    }
    let range = m.shard.range(m.total);
    let mut reader = BufReader::new(File::open(&p).with_context(|| format!("opening {}", p.display()))?);
    let mut ids = Vec::new();
    let mut line = Vec::new();
    let mut good_len = 0u64;
    let mut n = 0usize;
    loop {
        line.clear();
        let read = reader.read_until(b'\n', &mut line).with_context(|| format!("reading {}", p.display()))?;
        if read == 0 {
            break;
        }
        n += 1;
        if line.last() != Some(&b'\n') {
            // A line cut by a kill: dropped, and run again.
            break;
        }
        let r: Record = serde_json::from_slice(&line)
            .map_err(|e| anyhow!("{} line {n}: not a record ({e}); the folder is corrupt", p.display()))?;
        if !range.contains(&r.id) || ids.last().is_some_and(|&l| l >= r.id) {
            bail!(
                "{} line {n}: record id {} is out of order or outside this shard's ids {:?}; the folder is corrupt",
                p.display(),
                r.id,
                range
            );
        }
        ids.push(r.id);
        good_len += read as u64;
    }
    let f = OpenOptions::new().write(true).open(&p).with_context(|| format!("opening {}", p.display()))?;
    if f.metadata()?.len() != good_len {
        f.set_len(good_len).with_context(|| format!("truncating {}", p.display()))?;
    }
    Ok(ids)
}

/// Reads the records of a checked folder, in file order.
fn records_of(dir: &Path) -> anyhow::Result<impl Iterator<Item = anyhow::Result<Record>>> {
    let p = dir.join(RECORDS);
    let reader = BufReader::new(File::open(&p).with_context(|| format!("opening {}", p.display()))?);
    Ok(reader.lines().map(move |l| {
        let l = l?;
        serde_json::from_str::<Record>(&l).map_err(|e| anyhow!("{}: {e}", p.display()))
    }))
}

/// Prepares `dir` for `m`: a new or empty folder gets the manifest; a folder
/// of the same tournament and shard resumes; anything else is refused.
fn open_folder(dir: &Path, m: &Manifest) -> anyhow::Result<Vec<u64>> {
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    match read_manifest(dir)? {
        None => {
            let nonempty = fs::read_dir(dir)?.next().is_some();
            if nonempty {
                bail!(
                    "{}: the folder is not empty and has no {MANIFEST}: not a tournament output folder; \
                     give a new or empty folder",
                    dir.display()
                );
            }
            let text = serde_json::to_string_pretty(m)?;
            fs::write(dir.join(MANIFEST), text + "\n")?;
            Ok(Vec::new())
        }
        Some(found) => {
            if found.fingerprint != m.fingerprint || found.total != m.total || found.strategies != m.strategies {
                bail!(
                    "{}: the folder holds another tournament (fingerprint {} with {} negotiations, this configuration \
                     is {} with {}); give another folder",
                    dir.display(),
                    found.fingerprint,
                    found.total,
                    m.fingerprint,
                    m.total
                );
            }
            if found.shard != m.shard {
                bail!(
                    "{}: the folder holds shard {}/{}, not {}/{}",
                    dir.display(),
                    found.shard.index,
                    found.shard.count,
                    m.shard.index,
                    m.shard.count
                );
            }
            check_records(dir, m)
        }
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', ';']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

fn opt(x: Option<f64>) -> String {
    x.map(|v| v.to_string()).unwrap_or_default()
}

fn join<T: ToString>(v: &[T]) -> String {
    v.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(";")
}

fn reason(r: &entente_protocols::EndReason) -> String {
    match r {
        entente_protocols::EndReason::Agreement => "agreement".into(),
        entente_protocols::EndReason::Timeout => "timeout".into(),
        entente_protocols::EndReason::TimeLimit => "time_limit".into(),
        entente_protocols::EndReason::BrokenOff { by } => format!("broken_off_by_{by}"),
    }
}

/// Writes `records.csv`, `summary.json`, `summary.txt` and the figures from the records.
fn finish(dir: &Path, m: &Manifest) -> anyhow::Result<entente_tournament::Summary> {
    let mut csv = BufWriter::new(File::create(dir.join("records.csv"))?);
    writeln!(
        csv,
        "id,scenario,repetition,rotation,strategies,profiles,seed,agreement,utilities,advantages,rounds,reason,\
         welfare,pareto_distance,nash_distance,ks_distance"
    )?;
    for r in records_of(dir)? {
        let r = r?;
        writeln!(csv, "{}", csv_line(&r))?;
    }
    csv.flush()?;
    let mut error = None;
    let records = records_of(dir)?.map_while(|r| match r {
        Ok(r) => Some(r),
        Err(e) => {
            error = Some(e);
            None
        }
    });
    let o = SummaryOptions { seed: m.seed, ..SummaryOptions::default() };
    let summary = summarize(&m.strategies, records, &o);
    if let Some(e) = error {
        return Err(e);
    }
    fs::write(dir.join("summary.json"), serde_json::to_string_pretty(&summary)? + "\n")?;
    fs::write(dir.join("summary.txt"), summary.render())?;
    write_figures(dir, &summary)?;
    Ok(summary)
}

/// One record as a line of `records.csv` (without its newline).
fn csv_line(r: &Record) -> String {
    format!(
        "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
        r.id,
        csv_field(&r.scenario),
        r.repetition,
        r.rotation,
        csv_field(&r.strategies.join(";")),
        csv_field(&r.profiles.join(";")),
        r.seed,
        r.agreement.map(|a| a.to_string()).unwrap_or_default(),
        join(&r.utilities),
        join(&r.advantages),
        r.rounds,
        reason(&r.reason),
        r.welfare,
        opt(r.pareto_distance),
        opt(r.nash_distance),
        opt(r.ks_distance)
    )
}

/// Bytes of `records.jsonl` and `records.csv` for the ids `range`, estimated per scenario from a record
/// whose numbers all print at their longest (so usually above the real size).
fn estimate_record_bytes(t: &Tournament, range: std::ops::Range<u64>) -> u64 {
    let longest = t.strategy_labels().into_iter().max_by_key(|l| l.len()).unwrap_or_default();
    let x = -0.123_456_789_012_345_68; // 20 characters: the longest an f64 of a utility prints
    let mut total = 0u64;
    for sc in t.scenarios() {
        let (lo, hi) = (sc.ids.start.max(range.start), sc.ids.end.min(range.end));
        if lo >= hi {
            continue;
        }
        let n = sc.profiles.len();
        let r = Record {
            id: hi - 1,
            scenario: sc.name.clone(),
            repetition: u32::MAX,
            rotation: n as u32,
            strategies: vec![longest.clone(); n],
            profiles: sc.profiles.clone(),
            seed: u64::MAX,
            agreement: Some(sc.n_outcomes.saturating_sub(1).min(u32::MAX as u64) as u32),
            utilities: vec![x; n],
            advantages: vec![x; n],
            rounds: u32::MAX,
            reason: entente_protocols::EndReason::BrokenOff { by: n },
            welfare: x * n as f64,
            pareto_distance: Some(x),
            nash_distance: Some(x),
            ks_distance: Some(x),
        };
        let per = serde_json::to_vec(&r).map_or(512, |v| v.len() as u64) + 1 + csv_line(&r).len() as u64 + 1;
        total = total.saturating_add(per.saturating_mul(hi - lo));
    }
    total
}

/// Free bytes for an unprivileged user on the disk holding `path` (or its nearest existing parent).
fn free_bytes(path: &Path) -> Option<u64> {
    let mut p = path;
    while !p.as_os_str().is_empty() && !p.exists() {
        p = p.parent()?;
    }
    let p = if p.as_os_str().is_empty() { Path::new(".") } else { p };
    fs4::available_space(p).ok()
}

/// A byte count for people: 1.2 GB, 340 kB.
fn human_bytes(b: u64) -> String {
    let units = ["bytes", "kB", "MB", "GB", "TB", "PB"];
    let mut x = b as f64;
    let mut u = 0;
    while x >= 1000.0 && u + 1 < units.len() {
        x /= 1000.0;
        u += 1;
    }
    if u == 0 { format!("{b} bytes") } else { format!("{x:.1} {}", units[u]) }
}

/// Refuses a run whose records would not fit: the estimate for the shard, less what its files already take
/// (a resumed run), against `--max-disk` or the free space.
fn check_disk(t: &Tournament, range: std::ops::Range<u64>, dir: &Path, max_disk: Option<u64>) -> anyhow::Result<u64> {
    let estimate = estimate_record_bytes(t, range.clone());
    let existing: u64 =
        [RECORDS, "records.csv"].iter().filter_map(|f| fs::metadata(dir.join(f)).ok()).map(|m| m.len()).sum();
    let needed = estimate.saturating_sub(existing);
    let (budget, what) = match max_disk {
        Some(b) => (Some(b), "the budget given by --max-disk".to_string()),
        None => (free_bytes(dir), format!("free on the disk of {}", dir.display())),
    };
    if let Some(budget) = budget
        && needed > budget
    {
        let n = range.end - range.start;
        bail!(
            "the records would take about {} ({} bytes: {n} negotiations, records.jsonl and records.csv, about {} \
             bytes each), more than the {} ({budget} bytes) {what}; nothing was run. Run fewer negotiations \
             (repetitions, scenarios, strategies), split them with --shard i/k over several disks, or free space",
            human_bytes(needed),
            needed,
            estimate / n.max(1),
            human_bytes(budget),
        );
    }
    Ok(estimate)
}

/// `ranking.svg` (mean advantage, the table's order) and `ratings.svg`
/// (Bradley–Terry), each with its intervals; strategies without a finite
/// estimate (never played) are left out.
fn write_figures(dir: &Path, s: &entente_tournament::Summary) -> anyhow::Result<()> {
    use entente_plot::intervals::{RankRow, RankingFigure, render_ranking};
    let pct = (s.level * 100.0).round();
    let row = |name: &str, value: f64, ci: &Option<entente_tournament::stats::Interval>| {
        let (low, high) = ci.map(|i| (i.low, i.high)).unwrap_or((value, value));
        [value, low, high].iter().all(|x| x.is_finite()).then(|| RankRow { name: name.to_string(), value, low, high })
    };
    let ranking = RankingFigure {
        title: "Ranking by mean advantage".into(),
        subtitle: Some(format!(
            "{} negotiations; utility minus reservation value, mean over every role played; {pct}% bootstrap intervals",
            s.records
        )),
        x_label: "mean advantage".into(),
        rows: s.scores.iter().filter_map(|r| row(&r.strategy, r.advantage.mean, &r.advantage.ci)).collect(),
        reference: Some(0.0),
    };
    let ratings = RankingFigure {
        title: "Bradley-Terry ratings".into(),
        subtitle: Some(format!(
            "log-strength (mean 0) from head-to-head advantage in the same negotiation; {pct}% bootstrap intervals"
        )),
        x_label: "rating (log-strength)".into(),
        rows: s.ratings.iter().filter_map(|r| row(&r.strategy, r.rating, &r.ci)).collect(),
        reference: Some(0.0),
    };
    for (file, fig) in [("ranking.svg", ranking), ("ratings.svg", ratings)] {
        if fig.rows.is_empty() {
            continue;
        }
        fs::write(dir.join(file), render_ranking(&fig)?).with_context(|| format!("writing {file}"))?;
    }
    Ok(())
}

fn manifest_of(t: &Tournament, seed: u64, shard: Shard) -> Manifest {
    Manifest {
        format: entente_tournament::FORMAT.into(),
        fingerprint: format!("{:016x}", t.fingerprint()),
        total: t.len(),
        shard,
        seed,
        strategies: t.strategy_labels(),
    }
}

/// What a run did.
struct RunStats {
    ran: u64,
    pending: u64,
    seconds: f64,
    stopped: bool,
}

/// Runs the missing negotiations of `m`'s shard into `dir`.
fn run_into(
    t: &Tournament,
    dir: &Path,
    m: &Manifest,
    threads: usize,
    chunk: usize,
    progress: bool,
    stop: &AtomicBool,
) -> anyhow::Result<RunStats> {
    let done = open_folder(dir, m)?;
    let range = m.shard.range(m.total);
    // Records are written in id order, so what is done is a prefix of the shard.
    let start = done.last().map_or(range.start, |&l| l + 1);
    let pending: Vec<u64> = (start..range.end).collect();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
    let file = OpenOptions::new().create(true).append(true).open(dir.join(RECORDS))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let bar = if progress {
        let b = indicatif::ProgressBar::new(pending.len() as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} negotiations, {per_sec}, {elapsed} elapsed, ETA {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    } else {
        indicatif::ProgressBar::hidden()
    };
    let clock = Instant::now();
    let mut ran = 0u64;
    let chunk = chunk.max(1);
    let mut line = Vec::with_capacity(512);
    for part in pending.chunks(chunk) {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let n = t.run_with_clock::<anyhow::Error, _>(part, &pool, chunk, stop, crate::WallClock::default, |r| {
            line.clear();
            serde_json::to_writer(&mut line, r)?;
            line.push(b'\n');
            out.write_all(&line)?;
            Ok(())
        })?;
        out.flush()?;
        ran += n;
        bar.inc(n);
    }
    out.flush()?;
    bar.finish_and_clear();
    Ok(RunStats {
        ran,
        pending: pending.len() as u64,
        seconds: clock.elapsed().as_secs_f64(),
        stopped: ran < pending.len() as u64,
    })
}

fn tournament(a: TournamentArgs) -> anyhow::Result<ExitCode> {
    let shard = match &a.shard {
        Some(s) => Shard::parse(s).map_err(|e| anyhow!("--{e}"))?,
        None => Shard::WHOLE,
    };
    let spec = read_config(&a.config)?;
    let seed = spec.seed;
    let (n_strategies, n_scenarios) = (spec.strategies.len(), spec.scenarios.len());
    let t = Tournament::new(spec).with_context(|| format!("configuration {}", a.config.display()))?;
    let m = manifest_of(&t, seed, shard);
    let range = shard.range(t.len());
    eprintln!(
        "{} strategies x {} scenarios: {} negotiations; shard {}/{}: ids {}..{}",
        n_strategies,
        n_scenarios,
        t.len(),
        shard.index,
        shard.count,
        range.start,
        range.end
    );
    if t.has_time_limits() {
        eprintln!(
            "note: some scenarios have a time limit, measured by this machine's clock: their records depend on \
             its speed and load, not only on the configuration"
        );
    }
    let estimate = check_disk(&t, range.clone(), &a.out, a.max_disk)?;
    if a.dry_run {
        eprintln!("records: about {} ({estimate} bytes)", human_bytes(estimate));
        return Ok(ExitCode::SUCCESS);
    }
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        // Only one handler per process; a second call fails, which is harmless.
        let _ = ctrlc::set_handler(move || stop.store(true, Ordering::Relaxed));
    }
    let stats = run_into(&t, &a.out, &m, a.threads, a.chunk, !a.no_progress, &stop)?;
    if stats.stopped {
        eprintln!("stopped after {} of {} negotiations; rerun the same command to resume", stats.ran, stats.pending);
        return Ok(ExitCode::from(130));
    }
    eprintln!(
        "{} negotiations in {:.2} s ({:.0}/s); records in {}",
        stats.ran,
        stats.seconds,
        stats.ran as f64 / stats.seconds.max(1e-9),
        a.out.join(RECORDS).display()
    );
    let summary = finish(&a.out, &m)?;
    crate::out!("{}", summary.render());
    Ok(ExitCode::SUCCESS)
}

fn merge(a: MergeArgs) -> anyhow::Result<ExitCode> {
    let mut shards = Vec::new();
    for d in &a.shards {
        let m = read_manifest(d)?
            .ok_or_else(|| anyhow!("{}: no {MANIFEST}: not a tournament output folder", d.display()))?;
        shards.push((m, d.clone()));
    }
    let first = shards[0].0.clone();
    for (m, d) in &shards {
        if m.fingerprint != first.fingerprint || m.total != first.total || m.strategies != first.strategies {
            bail!(
                "{}: a shard of another tournament (fingerprint {} vs {})",
                d.display(),
                m.fingerprint,
                first.fingerprint
            );
        }
        if m.shard.count != first.shard.count {
            bail!(
                "{}: shard {}/{} does not split like {}/{}",
                d.display(),
                m.shard.index,
                m.shard.count,
                first.shard.index,
                first.shard.count
            );
        }
    }
    shards.sort_by_key(|(m, _)| m.shard.index);
    let k = first.shard.count;
    let have: Vec<u64> = shards.iter().map(|(m, _)| m.shard.index).collect();
    if have != (1..=k).collect::<Vec<_>>() {
        bail!("merge needs every shard 1..{k} exactly once; got shards {have:?}");
    }
    let whole = Manifest { shard: Shard::WHOLE, ..first.clone() };
    let done = open_folder(&a.out, &whole)?;
    if !done.is_empty() {
        bail!("{}: already holds records; give a new or empty folder", a.out.display());
    }
    let mut out = BufWriter::new(OpenOptions::new().create(true).append(true).open(a.out.join(RECORDS))?);
    for (m, d) in &shards {
        let ids = check_records(d, m)?;
        let range = m.shard.range(m.total);
        if ids.len() as u64 != range.end - range.start {
            bail!(
                "{}: shard {}/{} is incomplete ({} of {} records); finish it first (rerun its command)",
                d.display(),
                m.shard.index,
                k,
                ids.len(),
                range.end - range.start
            );
        }
        let mut f = File::open(d.join(RECORDS))?;
        std::io::copy(&mut f, &mut out)?;
    }
    out.flush()?;
    drop(out);
    let summary = finish(&a.out, &whole)?;
    crate::out!("{}", summary.render());
    Ok(ExitCode::SUCCESS)
}

fn bench(a: BenchArgs) -> anyhow::Result<ExitCode> {
    let none = StrategyOptions::default();
    let strategies = ["boulware", "linear", "conceder", "tit-for-tat"]
        .iter()
        .map(|n| Ok(Entry { label: n.to_string(), spec: StrategySpec::from_name(n, &none)? }))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let scenarios = (0..a.scenarios)
        .map(|k| Ok(ScenarioEntry { scenario: random_scenario(a.issues, a.values, k, a.steps)?, n_steps: a.steps }))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let spec = TournamentSpec {
        strategies,
        scenarios,
        repetitions: a.repetitions,
        self_play: true,
        rotate_preferences: true,
        seed: 0,
    };
    let negmas_scenarios: Vec<Scenario> =
        spec.scenarios.iter().take(a.negmas_scenarios as usize).map(|e| e.scenario.clone()).collect();
    let setup = Instant::now();
    let t = Tournament::new(spec)?;
    let setup = setup.elapsed().as_secs_f64();
    let base = a
        .out
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join(format!("entente-tournament-bench-{}", std::process::id())));
    crate::outln!(
        "tournament: 4 strategies (boulware, linear, conceder, tit-for-tat) with self-play x {} scenarios of {} issues x {} \
         values x 2 rotations x {} repetitions = {} negotiations of {} steps (setup {:.3} s)",
        a.scenarios,
        a.issues,
        a.values,
        a.repetitions,
        t.len(),
        a.steps,
        setup
    );
    let stop = AtomicBool::new(false);
    let mut first = None;
    let mut rates = Vec::new();
    for &threads in &a.threads {
        let dir = base.join(format!("threads-{threads}"));
        if dir.exists() {
            fs::remove_dir_all(&dir)?;
        }
        let m = manifest_of(&t, 0, Shard::WHOLE);
        let stats = run_into(&t, &dir, &m, threads, 16384, false, &stop)?;
        let rate = stats.ran as f64 / stats.seconds;
        let f = Instant::now();
        finish(&dir, &m)?;
        let fin = f.elapsed().as_secs_f64();
        let speedup =
            first.map(|r0: f64| format!(", x{:.2} vs {} thread(s)", rate / r0, a.threads[0])).unwrap_or_default();
        first.get_or_insert(rate);
        rates.push((threads, rate));
        crate::outln!(
            "{threads} thread(s): {} negotiations in {:.3} s = {:.0} negotiations/s (records.jsonl written){speedup}; \
             CSV + summary {:.2} s",
            stats.ran,
            stats.seconds,
            rate,
            fin
        );
        if a.out.is_none() {
            fs::remove_dir_all(&dir)?;
        }
    }
    if a.negmas {
        negmas_side_by_side(&a, &negmas_scenarios, &base, &rates)?;
    }
    if a.out.is_none() {
        let _ = fs::remove_dir_all(&base);
    }
    Ok(ExitCode::SUCCESS)
}

/// The scenarios as `scripts/negmas_tournament.py --from-json` reads them: issues with their value labels,
/// per party the weights, each issue's value utilities and the reservation value.
fn negmas_json(scenarios: &[Scenario]) -> anyhow::Result<serde_json::Value> {
    use entente_core::UtilityFunction as _;
    let mut out = Vec::new();
    for sc in scenarios {
        let issues: Vec<serde_json::Value> = sc
            .space
            .issues()
            .iter()
            .map(|i| {
                let values: Vec<String> =
                    (0..i.cardinality() as u32).filter_map(|j| i.value(j)).map(|v| v.to_string()).collect();
                serde_json::json!({"name": i.name, "values": values})
            })
            .collect();
        let mut parties = Vec::new();
        for p in &sc.parties {
            let la = p
                .utility
                .as_additive()
                .ok_or_else(|| anyhow!("scenario {:?}: party {:?} is not linear additive", sc.name, p.name))?;
            let values: Vec<Vec<f64>> = sc
                .space
                .issues()
                .iter()
                .enumerate()
                .map(|(k, i)| (0..i.cardinality() as u32).map(|j| la.value_utility(&sc.space, k, j)).collect())
                .collect();
            parties.push(serde_json::json!({
                "name": p.name, "weights": la.weights(), "values": values, "reservation": p.utility.reservation()
            }));
        }
        out.push(serde_json::json!({"name": sc.name, "issues": issues, "parties": parties}));
    }
    Ok(serde_json::Value::Array(out))
}

fn negmas_python(a: &BenchArgs) -> PathBuf {
    if let Some(p) = &a.negmas_python {
        return p.clone();
    }
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(v) = std::env::var_os("NEGMAS_VENV") {
        candidates.push(PathBuf::from(v).join("bin/python"));
    }
    candidates.push(PathBuf::from("/work/negmas-venv/bin/python"));
    candidates.push(PathBuf::from("/tmp/negmas-venv/bin/python"));
    candidates.into_iter().find(|p| p.exists()).unwrap_or_else(|| PathBuf::from("python3"))
}

/// Runs NegMAS's tournament on the first scenarios of the benchmark and prints its rate beside ours.
fn negmas_side_by_side(
    a: &BenchArgs,
    scenarios: &[Scenario],
    base: &Path,
    rates: &[(usize, f64)],
) -> anyhow::Result<()> {
    let script = [
        PathBuf::from("scripts/negmas_tournament.py"),
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/negmas_tournament.py")),
    ]
    .into_iter()
    .find(|p| p.is_file())
    .ok_or_else(|| anyhow!("--negmas: scripts/negmas_tournament.py not found (run from the project's root)"))?;
    fs::create_dir_all(base)?;
    let json = base.join("negmas-scenarios.json");
    fs::write(&json, serde_json::to_string(&negmas_json(scenarios)?)?)?;
    let python = negmas_python(a);
    let mut cmd = std::process::Command::new(&python);
    cmd.arg(&script)
        .arg("--from-json")
        .arg(&json)
        .args(["--repetitions", &a.negmas_repetitions.to_string()])
        .args(["--steps", &a.steps.to_string()])
        .args(["--njobs", &a.negmas_njobs.to_string()])
        .arg("--json");
    crate::outln!(
        "NegMAS: {} {} --from-json {} --repetitions {} --steps {} --njobs {} --json",
        python.display(),
        script.display(),
        json.display(),
        a.negmas_repetitions,
        a.steps,
        a.negmas_njobs
    );
    let out = cmd.output().with_context(|| format!("--negmas: running {}", python.display()))?;
    if !out.status.success() {
        bail!(
            "--negmas: {} failed ({}); it needs negmas==0.16.0 (give its python with --negmas-python):\n{}",
            script.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).lines().rev().take(5).collect::<Vec<_>>().join("\n")
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let doc: serde_json::Value = text
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .ok_or_else(|| anyhow!("--negmas: no JSON result in the script's output: {text}"))?;
    let n = doc["negotiations"].as_u64().unwrap_or(0);
    let seconds = doc["seconds"].as_f64().unwrap_or(f64::NAN);
    let rate = doc["per_second"].as_f64().unwrap_or(f64::NAN);
    crate::outln!(
        "NegMAS 0.16 cartesian_tournament (njobs={}): same strategies, steps, self-play and rotation, the first {} \
         of the scenarios above, {} repetition(s): {n} negotiations in {seconds:.2} s = {rate:.1} negotiations/s",
        a.negmas_njobs,
        scenarios.len(),
        a.negmas_repetitions
    );
    for (threads, r) in rates {
        crate::outln!("ratio, entente with {threads} thread(s) / NegMAS: x{:.0}", r / rate);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        format!("{:#}", parse_config(text, Path::new(".")).expect_err("an error"))
    }

    const GEN: &str = "[[generate]]\nissues = 2\nvalues = 3\n";

    #[test]
    fn config_errors_name_the_field() {
        assert!(parse_config(&format!("[[strategies]]\nname = \"boulware\"\n{GEN}"), Path::new(".")).is_ok());
        let e = err(&format!("[[strategies]]\nname = \"bolware\"\n{GEN}"));
        assert!(e.contains("strategies[0].name") && e.contains("bolware"), "{e}");
        let e =
            err(&format!("[[strategies]]\nname = \"linear\"\n[[strategies]]\nname = \"linear\"\nexponent = -1\n{GEN}"));
        assert!(e.contains("strategies[1].exponent"), "{e}");
        let e = err(&format!("[[strategies]]\nname = \"tough\"\nkindness = 0.1\n{GEN}"));
        assert!(e.contains("strategies[0].kindness"), "{e}");
        let e = err(&format!("[[strategies]]\nname = \"linear\"\nexponnt = 2\n{GEN}"));
        assert!(e.contains("exponnt"), "{e}");
        let e = err("[[strategies]]\nname = \"linear\"\n[[scenarios]]\npath = \"no/such/thing.toml\"\n");
        assert!(e.contains("scenarios[0].path"), "{e}");
        let e = err(&format!("repetitions = 0\n[[strategies]]\nname = \"linear\"\n{GEN}"));
        assert!(e.contains("repetitions"), "{e}");
        let e = err(&format!("[[strategies]]\nname = \"linear\"\n[[strategies]]\nname = \"linear\"\n{GEN}"));
        assert!(e.contains("strategies[1].label"), "{e}");
        let e = err("[[strategies]]\nname = \"linear\"\n");
        assert!(e.contains("scenarios"), "{e}");
    }
}

#[cfg(test)]
mod negmas_tests {
    use super::*;
    use entente_core::UtilityFunction as _;

    /// What the NegMAS script rebuilds from the JSON (Σ w_k · v_k(x_k)) is each party's utility.
    #[test]
    fn negmas_json_rebuilds_the_utilities() {
        let sc = random_scenario(3, 4, 7, 10).unwrap();
        let doc = negmas_json(std::slice::from_ref(&sc)).unwrap();
        let parties = doc[0]["parties"].as_array().unwrap();
        assert_eq!(doc[0]["issues"][2]["values"].as_array().unwrap().len(), 4);
        let mut checked = 0;
        sc.space.for_each_outcome(|x| {
            for (p, party) in sc.parties.iter().zip(parties) {
                let rebuilt: f64 = (0..3)
                    .map(|k| {
                        party["weights"][k].as_f64().unwrap() * party["values"][k][x[k] as usize].as_f64().unwrap()
                    })
                    .sum();
                assert!((rebuilt - p.utility.utility(x)).abs() < 1e-12, "{x:?}");
                checked += 1;
            }
            true
        });
        assert_eq!(checked, 2 * 64);
    }
}
