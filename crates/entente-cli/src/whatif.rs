//! `entente whatif`: change a scenario (a veto, a weight, a quota, merged
//! blocs, an issue or a value, a reservation point…) and compare the zones,
//! the diagnosis and the simulated negotiation with the base case, side by
//! side, with the same seed. The changes are `entente_formats::whatif`'s; the
//! syntax is in docs/whatif.md.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;
use entente_core::analysis::zones::ZoneReport;
use entente_formats::whatif::{WhatIf, apply_noted, parse_change, read_changes_file};
use entente_protocols::RunScenario;
use entente_protocols::scenario::{RunReport, Scenario, ScenarioError};
use entente_report::whatif::{ChangeDoc, WhatIfCase, WhatIfDoc, whatif_text};
use entente_report::zones::DelegationState;

use crate::source::SourceArgs;
use crate::zones::zone_analysis;

#[derive(Args)]
pub struct WhatIfArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// A change, e.g. "veto delegation_b.khost off" or "drop-issue guarantor=none";
    /// repeatable, applied in order (syntax: docs/whatif.md).
    #[arg(long = "change", value_name = "CHANGE")]
    pub changes: Vec<String>,
    /// A TOML file of [[change]] tables, applied before the --change ones.
    #[arg(long = "changes", value_name = "FILE")]
    pub changes_file: Option<PathBuf>,
    /// Seed of both simulated negotiations (default: the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Analyse the delegations' instructions in force at this relative time.
    #[arg(long, value_name = "T", default_value_t = 0.0)]
    pub at: f64,
    /// Print one JSON document: { "base", "changed", "changes" }.
    #[arg(long)]
    pub json: bool,
    /// Negotiator of a party in both cases, as PARTY=STRATEGY (as in `run`); repeatable.
    #[arg(long = "strategy", value_name = "PARTY=STRATEGY")]
    pub strategies: Vec<String>,
}

/// One case (base or changed): its zones and its simulated negotiation.
struct Case {
    scenario: Scenario,
    states: Vec<DelegationState>,
    report: ZoneReport,
    /// The run, or why it was not simulated.
    run: Result<RunReport, String>,
}

impl Case {
    fn view(&self) -> WhatIfCase<'_> {
        WhatIfCase {
            scenario: &self.scenario,
            delegations: &self.states,
            report: &self.report,
            run: self.run.as_ref().map_err(String::as_str),
        }
    }
}

fn case(scenario: Scenario, at: f64, seed: u64) -> anyhow::Result<Case> {
    let (inputs, report) = zone_analysis(&scenario, &entente_model::timeline::InForce::relative(&scenario, at))?;
    let run = match scenario.run_with_clock(Some(seed), &mut crate::WallClock::default()) {
        Ok(r) => Ok(r),
        Err(ScenarioError::NoStrategy(p)) => {
            Err(format!("party {p:?} has no negotiator (give one with --strategy {p}=STRATEGY)"))
        }
        Err(e) => return Err(e.into()),
    };
    Ok(Case { scenario, states: inputs.states(), report, run })
}

pub fn run(args: WhatIfArgs) -> anyhow::Result<ExitCode> {
    if !(args.at.is_finite() && (0.0..=1.0).contains(&args.at)) {
        bail!("--at must be a relative time in [0, 1], not {}", args.at);
    }
    let mut changes: Vec<WhatIf> = Vec::new();
    if let Some(path) = &args.changes_file {
        changes.extend(read_changes_file(path)?);
    }
    for c in &args.changes {
        changes.push(parse_change(c)?);
    }
    if changes.is_empty() {
        bail!("no change given: use --change \"...\" (repeatable) or --changes FILE (syntax: docs/whatif.md)");
    }
    let mut base = args.source.load()?;
    crate::run::apply_strategies(&mut base, &args.strategies)?;
    let mut changed = base.clone();
    let mut notes = Vec::with_capacity(changes.len());
    for c in &changes {
        let a = apply_noted(&changed, c)?;
        changed = a.scenario;
        notes.push(a.note);
    }
    // The memory of both cases, before either is run.
    for (case, s) in [("the base case", &base), ("the changed case", &changed)] {
        crate::budget::check_tables(s).with_context(|| case.to_string())?;
        let rounds = if s.config.n_steps != base.config.n_steps {
            let c = changes.iter().rev().find(|c| matches!(c, WhatIf::Rounds { .. }));
            c.map_or_else(|| format!("n_steps = {}", s.config.n_steps), |c| format!("--change {:?}", c.to_string()))
        } else {
            format!("n_steps = {}", s.config.n_steps)
        };
        crate::budget::check_offers(s, 1, args.json, format!("{rounds} ({case})"))?;
    }
    let seed = args.seed.unwrap_or(base.seed);
    let base = case(base, args.at, seed).context("the base case")?;
    let changed = case(changed, args.at, seed).context("the changed case")?;
    let changes: Vec<ChangeDoc> =
        changes.iter().zip(notes).map(|(c, note)| ChangeDoc { change: c.to_string(), note }).collect();
    let (base, changed) = (base.view(), changed.view());
    if args.json {
        let doc = WhatIfDoc::new(&base, &changed, changes, seed, args.at);
        outln!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        out!("{}", whatif_text(&base, &changed, &changes, seed, args.at));
    }
    Ok(ExitCode::SUCCESS)
}
