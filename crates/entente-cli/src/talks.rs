//! `entente talks`: a round of mediated talks, simulated, with its transcript.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;
use entente_formats::talks_toml::{parse_talks, read_talks, write_talks};
use entente_formats::whatif::read_talks_changes_file;
use entente_model::whatif::talks::{TalksChange, apply_talks_changes, parse_talks_change};
use entente_talks::figure::outcome;
use entente_talks::log::Role;
use entente_talks::measures::{Measures, measures, measures_text};
use entente_talks::transcript::transcript;
use entente_talks::{
    COMPARE_SCHEMA, ChangeNote, CompareDocument, CounterfactualNote, RunMeasures, Talks, TalksDocument, TalksRun,
};

/// The embedded default talks (`scenarios/istanbul-2025.toml`).
pub const DEFAULT_TALKS: &str = include_str!("../../../scenarios/istanbul-2025.toml");
pub const DEFAULT_TALKS_NAME: &str = "scenarios/istanbul-2025.toml (embedded)";

#[derive(Args)]
pub struct TalksArgs {
    /// A scenario file with a [talks] table. Default: the reference case (embedded).
    pub scenario: Option<PathBuf>,
    /// List every move of the package protocol.
    #[arg(long)]
    pub verbose: bool,
    /// Print the whole run as JSON (log, texts, clauses, ending, assessment, baseline).
    #[arg(long)]
    pub json: bool,
    /// Print the log as one role may see it, as JSON (with the names of issues, values, clauses and
    /// actors): a party's name, "mediator" or "observer".
    #[arg(long, value_name = "ROLE")]
    pub export: Option<String>,
    /// Run a counterfactual instead: unified (= --change "unify all"), no-injection (= --change
    /// "drop-instruction tabling"), guarantor-consents (= --change "guarantor all consents").
    #[arg(long, value_parser = ["unified", "no-injection", "guarantor-consents"])]
    pub counterfactual: Option<String>,
    /// A change of the talks, e.g. "veto state_b.khost off", "unify all", "guarantor united_states consents",
    /// "add-session 6 09:00 8h"; repeatable, applied in order, after --counterfactual and --changes (docs/talks.md).
    #[arg(long = "change", value_name = "CHANGE")]
    pub changes: Vec<String>,
    /// A TOML file of [[change]] tables (as for `entente whatif`; talks changes as change = "..."), applied
    /// before the --change ones.
    #[arg(long = "changes", value_name = "FILE")]
    pub changes_file: Option<PathBuf>,
    /// Run the base and the changed talks and print them side by side (ending, assessment, measures); with
    /// --json, one document {base, changed, changes}.
    #[arg(long)]
    pub compare: bool,
    /// Write the (changed) talks to this TOML file, which `entente talks FILE` runs to the same round.
    #[arg(long, value_name = "NEW.toml")]
    pub save: Option<PathBuf>,
    /// With --save: overwrite the file if it exists.
    #[arg(long, requires = "save")]
    pub force: bool,
    /// Seed of the talks' random draws (the breakdown risk of incidents), instead of the scenario's.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Draw the round to this SVG file: sessions, clause lanes, markers, closure and utilities over time. With
    /// --export ROLE, only what that role may see; with --counterfactual, --change or --compare, the base round
    /// above the changed one.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
    /// A live room's record (its export /rooms/ID/record.json from `entente serve`) instead of a simulation: the
    /// chain is checked, the room replayed, and the round printed as a simulated one (transcript, measures,
    /// assessment; --json, --export ROLE, --plot). The round must be over.
    #[arg(long, value_name = "RECORD.json", conflicts_with_all = ["scenario", "counterfactual", "changes", "changes_file", "compare", "save", "seed"])]
    pub record: Option<PathBuf>,
}

/// A live room's talks and its round, from its record's export.
fn read_record(path: &Path) -> anyhow::Result<(Talks, TalksRun)> {
    let shown = path.display();
    let text =
        crate::budget::read_text(path, crate::serve::MAX_RECORD_BYTES, format!("--record {shown}"), "a record file")?;
    let events = entente_server::verify::parse_export(&text).with_context(|| format!("--record {shown}"))?;
    let first = events.first().map(|e| e.room.clone()).unwrap_or_default();
    let rooms =
        events.iter().filter(|e| e.room != first).map(|e| e.room.as_str()).collect::<std::collections::BTreeSet<_>>();
    if events.is_empty() {
        bail!("--record {shown}: holds no event; expected a room's record (/rooms/ID/record.json)");
    }
    if !rooms.is_empty() {
        bail!(
            "--record {shown}: holds the records of {} rooms; expected one room's record (/rooms/ID/record.json)",
            rooms.len() + 1
        );
    }
    let room = entente_server::rooms::Room::replay(&events).with_context(|| format!("--record {shown}"))?;
    let talks = (*room.talks).clone();
    let run = room.into_run().with_context(|| format!("--record {shown}"))?;
    Ok((talks, run))
}

/// A live room's round, printed as a simulated one.
fn run_record(args: &TalksArgs, path: &Path) -> anyhow::Result<ExitCode> {
    let (talks, run) = read_record(path)?;
    let measures = measures(&talks, &run)?;
    let role = export_role(&talks, args.export.as_deref())?;
    if let Some(plot) = &args.plot {
        write_figure(plot, &entente_talks::figure::talks_figure(&talks, &run, role)?)?;
    }
    print_round(args, &talks, run, measures, role, |doc| doc.record = Some(path.display().to_string()))
}

/// Draws `figure` to `path`.
fn write_figure(path: &Path, figure: &entente_plot::TalksFigure) -> anyhow::Result<()> {
    crate::figure::write_svg(path, &entente_plot::render_talks(figure)?)?;
    eprintln!("Figure written to {}", path.display());
    Ok(())
}

/// Prints one round: a role's export (`--export`), the `--json` document (`fill` adds what the caller knows), or
/// the transcript with the measures.
fn print_round(
    args: &TalksArgs,
    talks: &Talks,
    run: TalksRun,
    measures: Measures,
    role: Option<Role>,
    fill: impl FnOnce(&mut TalksDocument),
) -> anyhow::Result<ExitCode> {
    if let Some(role) = role {
        outln!("{}", serde_json::to_string_pretty(&entente_talks::Export::new(talks, &run, role))?);
    } else if args.json {
        let mut doc = TalksDocument::new(talks, run, measures);
        fill(&mut doc);
        outln!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        out!("{}", transcript(talks, &run, args.verbose));
        out!("\n{}", measures_text(&measures, talks));
    }
    Ok(ExitCode::SUCCESS)
}

fn export_role(talks: &Talks, export: Option<&str>) -> anyhow::Result<Option<Role>> {
    export.map(|r| Role::named(talks, r).map_err(|e| anyhow::anyhow!("--export {e}"))).transpose()
}

pub fn run(args: TalksArgs) -> anyhow::Result<ExitCode> {
    if let Some(path) = &args.record {
        return run_record(&args, path);
    }
    let mut base = match &args.scenario {
        Some(p) => read_talks(p)?,
        None => parse_talks(DEFAULT_TALKS, Path::new(DEFAULT_TALKS_NAME))?,
    };
    if let Some(seed) = args.seed {
        base.seed = seed;
    }
    // The changes: the counterfactual's shorthand, the changes file, then each --change.
    let mut changes: Vec<TalksChange> = Vec::new();
    let mut counterfactual = None;
    if let Some(name) = args.counterfactual.as_deref() {
        let which = entente_talks::model::Counterfactual::ALL
            .into_iter()
            .find(|c| c.name() == name)
            .ok_or_else(|| anyhow::anyhow!("--counterfactual: unknown counterfactual {name:?}"))?;
        counterfactual = Some(which);
        changes.extend(which.changes());
    }
    if let Some(path) = &args.changes_file {
        changes.extend(read_talks_changes_file(path).context("--changes")?);
    }
    for c in &args.changes {
        changes.push(parse_talks_change(c).context("--change")?);
    }
    if args.compare && changes.is_empty() {
        bail!("--compare needs a change: give --change \"...\", --changes FILE or --counterfactual NAME");
    }
    let (talks, notes) = apply_talks_changes(&base, &changes)?;
    let change_docs: Vec<ChangeNote> =
        changes.iter().zip(&notes).map(|(c, note)| ChangeNote { change: c.to_string(), note: note.clone() }).collect();
    if let Some(path) = &args.save {
        save(&talks, path, args.force)?;
    }
    // JSON output is one document on stdout: the counterfactual goes into it (and to stderr for
    // `--export`, whose document is the log alone), the sentence to the text only.
    let machine = args.json || args.export.is_some();
    let own_changes = !args.changes.is_empty() || args.changes_file.is_some();
    if let Some(which) = counterfactual {
        if args.export.is_some() {
            eprintln!("note: counterfactual: {}.", which.describe());
        } else if !machine && !args.compare {
            outln!("Counterfactual: {}.\n", which.describe());
        }
    }
    if own_changes && !args.compare {
        if machine {
            for (c, note) in changes.iter().zip(&notes) {
                eprintln!("note: change `{c}`: {note}");
            }
        } else {
            outln!("Changes:");
            for (c, note) in changes.iter().zip(&notes) {
                outln!("  {c}: {note}");
            }
            outln!();
        }
    }
    let counterfactual_doc = counterfactual.map(CounterfactualNote::from);
    let run = entente_talks::simulate(&talks)?;
    let measures = measures(&talks, &run)?;
    let role = export_role(&talks, args.export.as_deref())?;
    let base_run = if changes.is_empty() { None } else { Some(entente_talks::simulate(&base)?) };
    if let Some(path) = &args.plot {
        let figure = match &base_run {
            Some(base_run) => {
                let changed = match (counterfactual, own_changes) {
                    (Some(w), false) => format!("counterfactual: {}", w.name()),
                    _ => format!("changed: {}", changes.iter().map(|c| c.to_string()).collect::<Vec<_>>().join("; ")),
                };
                entente_talks::figure::compare_figure((&base, base_run), (&talks, &run), &changed, role)?
            }
            None => entente_talks::figure::talks_figure(&talks, &run, role)?,
        };
        write_figure(path, &figure)?;
    }
    if args.compare && role.is_none() {
        let base_run = base_run.as_ref().ok_or_else(|| anyhow::anyhow!("--compare: no base run"))?;
        let base_measures = measures_of(&base, base_run)?;
        if args.json {
            let doc = CompareDocument {
                schema: COMPARE_SCHEMA.to_string(),
                talks: talks.scenario.name.clone(),
                seed: talks.seed,
                counterfactual: counterfactual_doc,
                changes: change_docs,
                base: RunMeasures { run: base_run.clone(), measures: base_measures },
                changed: RunMeasures { run, measures },
            };
            outln!("{}", serde_json::to_string_pretty(&doc)?);
        } else {
            out!("{}", compare_text(&base, base_run, &base_measures, &talks, &run, &measures, &changes, &notes));
        }
        return Ok(ExitCode::SUCCESS);
    }
    print_round(&args, &talks, run, measures, role, |doc| {
        doc.counterfactual = counterfactual_doc;
        doc.changes = own_changes.then_some(change_docs);
    })
}

fn measures_of(talks: &Talks, run: &TalksRun) -> anyhow::Result<Measures> {
    Ok(measures(talks, run)?)
}

/// Writes the talks to `path` (never over an existing file unless `force`), then reads them back and checks
/// that they run the same round.
fn save(talks: &Talks, path: &Path, force: bool) -> anyhow::Result<()> {
    if path.exists() && !force {
        bail!("--save {}: the file exists; give another path, or --force to overwrite it", path.display());
    }
    if path.is_dir() {
        bail!("--save {}: is a folder; give the .toml file to write", path.display());
    }
    let text = write_talks(talks).with_context(|| format!("--save {}: cannot write these talks", path.display()))?;
    let back = parse_talks(&text, path)
        .with_context(|| format!("--save {}: the written talks do not read back", path.display()))?;
    let (a, b) = (entente_talks::simulate(talks)?, entente_talks::simulate(&back)?);
    if serde_json::to_value(&a)? != serde_json::to_value(&b)? {
        bail!("--save {}: the written talks do not run the same round; nothing was written", path.display());
    }
    std::fs::write(path, text).with_context(|| format!("--save {}", path.display()))?;
    eprintln!("Talks written to {} (read back: the same round)", path.display());
    Ok(())
}

fn blockage(run: &TalksRun) -> String {
    run.assessment.as_ref().map_or("-".to_string(), |a| {
        serde_json::to_value(a.blockage).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
    })
}

/// The base and the changed run side by side.
#[allow(clippy::too_many_arguments)]
fn compare_text(
    base: &Talks,
    base_run: &TalksRun,
    bm: &Measures,
    changed: &Talks,
    run: &TalksRun,
    cm: &Measures,
    changes: &[TalksChange],
    notes: &[String],
) -> String {
    use std::fmt::Write;
    let mut out =
        format!("{} (seed {}): the base round and the changed round\n\nChanges:\n", base.scenario.name, changed.seed);
    for (c, n) in changes.iter().zip(notes) {
        let _ = writeln!(out, "  {c}: {n}");
    }
    let closure = |m: &Measures| m.curve.last().map_or("-".to_string(), |p| format!("{:.0}%", 100.0 * p.closure));
    let reopen = |m: &Measures| format!("{} of {} closures", m.reopens.reopenings, m.reopens.closures);
    let drafts = |m: &Measures| {
        let d: Vec<String> = m.drafts.iter().map(|d| format!("{} {}/{}", d.mediator, d.accepted, d.put)).collect();
        if d.is_empty() { "-".to_string() } else { d.join(", ") }
    };
    let text = |t: &Talks, r: &TalksRun| entente_talks::transcript::text_line(t, r, &r.text);
    let rows: Vec<(&str, String, String)> = vec![
        ("ending", outcome(base_run), outcome(run)),
        ("blockage", blockage(base_run), blockage(run)),
        ("text at the end", text(base, base_run), text(changed, run)),
        ("closure at the end", closure(bm), closure(cm)),
        ("reopenings", reopen(bm), reopen(cm)),
        ("items tabled off the agenda", bm.injections.items.len().to_string(), cm.injections.items.len().to_string()),
        ("stall at the end (minutes)", bm.stall.minutes.to_string(), cm.stall.minutes.to_string()),
        ("drafts accepted/put", drafts(bm), drafts(cm)),
    ];
    let w0 = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
    let w1 = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0).max(4);
    let _ = writeln!(out, "\n{:w0$}  {:w1$}  changed", "", "base");
    for (k, a, b) in &rows {
        let _ = writeln!(out, "{k:w0$}  {a:w1$}  {b}");
    }
    for (name, r) in [("base", base_run), ("changed", run)] {
        let a = r.assessment.as_ref().map_or("(none)", |a| a.text.as_str());
        let _ = writeln!(out, "\nAssessment ({name}):\n{}", a.trim_end());
    }
    out
}
