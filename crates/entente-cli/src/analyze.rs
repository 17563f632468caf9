//! `entente analyze`: the Pareto frontier, bargaining solutions and zone of
//! agreement of a domain, for the chosen parties.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use entente_core::Preferences;
use entente_core::analysis::zones::ZoneReport;
use entente_core::analysis::{
    self, AnalysisOptions, Choice, DomainAnalysis, Limits, PlanError, Requested, analyze_preferences,
};
use entente_formats::talks_toml::{has_talks, read_talks};
use entente_model::Scenario;
use entente_model::timeline::When;
use entente_report::analysis::{AnalysisDoc, DelegationsDoc, TalksScopeDoc, analysis_text, method_text};
use entente_report::zones::{DelegationState, ZonesDoc, zone_text};
use entente_talks::assessment::Standing;

use crate::source::SourceArgs;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Method {
    /// Enumerate spaces up to 2^25 outcomes; merge issue by issue when every party is linear additive and the
    /// space is larger.
    Auto,
    /// Evaluate every outcome, whatever the size (any utility function; at most 2^30 outcomes, a table's limit).
    Enumerate,
    /// The exact frontier of linear additive utilities, issue by issue, without enumerating the space.
    Merge,
}

impl Method {
    fn requested(self) -> Requested {
        match self {
            Method::Auto => Requested::Auto,
            Method::Enumerate => Requested::Enumerate,
            Method::Merge => Requested::Merge,
        }
    }
}

#[derive(Args)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Print the full analysis as JSON (frontier points included).
    #[arg(long)]
    pub json: bool,
    /// Draw the utility plane (outcomes, frontier, Nash and KS points) to this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
    /// How to find the frontier.
    #[arg(long, value_enum, default_value_t = Method::Auto)]
    pub method: Method,
    /// List the outcomes of the zone of possible agreement (every party strictly above its reservation value,
    /// docs/zone.md) in the JSON when there are at most this many.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub list_rational: usize,
    /// For divided delegations: analyse the instructions in force at this time: a relative time in
    /// [0, 1], or, for a scenario with [talks], a time of the talks ("day 3 17:30"). On a talks file
    /// every instruction counts, from [[parties.changes]] or from the talks.
    #[arg(long, default_value = "0", value_name = "T")]
    pub at: String,
    #[command(flatten)]
    pub ratification: crate::ratification::RatificationArgs,
    /// Stop with an error if the analysis has not finished after this many seconds (default: no bound).
    /// A spinner on stderr shows long work when stderr is a terminal.
    #[arg(long, value_name = "S")]
    pub max_seconds: Option<f64>,
}

/// The analysis of a scenario's parties, by the method the analysis library
/// chooses under `limits` for the one asked for.
pub fn analyze_scenario(
    scenario: &Scenario,
    limits: &Limits,
    method: Method,
    list_rational: usize,
) -> anyhow::Result<(DomainAnalysis, Choice)> {
    let additive = scenario.parties.iter().all(|p| p.utility.as_additive().is_some());
    let choice = match limits.choose_method(scenario.space.cardinality(), additive, method.requested()) {
        Ok(c) => c,
        Err(PlanError::MergeNeedsAdditive) => bail!("--method merge needs linear additive utilities for every party"),
        Err(e) => bail!("{e}"),
    };
    if choice.method == analysis::Method::Merge {
        crate::budget::check_issue_values(scenario)?;
    } else {
        crate::budget::check_tables(scenario)?;
    }
    let preferences: Vec<&Preferences> = scenario.parties.iter().map(|p| &p.utility).collect();
    let options = AnalysisOptions { list_rational_up_to: list_rational };
    let analysis = analyze_preferences(&scenario.space, &preferences, &choice, &options).with_context(|| {
        if choice.method == analysis::Method::Merge {
            "the issue-by-issue merge failed (try --method enumerate on a smaller space)"
        } else {
            "tabulating the utilities"
        }
    })?;
    Ok((analysis, choice))
}

pub fn run(args: AnalyzeArgs) -> anyhow::Result<ExitCode> {
    let when = When::parse(&args.at).with_context(|| format!("--at {:?}", args.at))?;
    crate::progress::check_seconds("--max-seconds", args.max_seconds)?;
    if let Some(path) = &args.plot {
        crate::figure::check_svg_name(path)?;
    }
    let scenario = args.source.load()?;
    let talks = match &args.source.scenario {
        Some(p) if std::fs::read_to_string(p).is_ok_and(|t| has_talks(&t)) => Some(read_talks(p)?),
        _ => None,
    };
    let in_force = when.in_force(&scenario, talks.as_ref()).with_context(|| format!("--at {:?}", args.at))?;
    let at = in_force.at;
    // On a talks file: what the talks negotiate at that time, as their assessment sees it.
    let talks_scope = match &talks {
        Some(t) => Some(talks_scope(&scenario, t, when.minute(t), at)?),
        None => None,
    };
    let analysed = talks_scope.as_ref().map_or(&scenario, |s| &s.negotiated);
    let limits = Limits::default();
    let what =
        format!("the analysis of {} outcomes of {} parties", analysed.space.cardinality(), analysed.parties.len());
    let deadline = crate::progress::Deadline::start(args.max_seconds, "--max-seconds", what.clone());
    let spinner = crate::progress::Spinner::new(format!("{what}: frontier and bargaining solutions"));
    let (analysis, choice) = analyze_scenario(analysed, &limits, args.method, args.list_rational)?;
    spinner.set(format!("{what}: zones of agreement"));
    let zone_choice = (talks_scope.is_some() || scenario.parties.iter().any(|p| p.delegation.is_some()))
        .then(|| limits.choose_zone_method(scenario.space.cardinality()));
    let zones = match (&talks_scope, zone_choice) {
        (Some(s), _) => Some((s.states.clone(), s.zones.clone())),
        (None, Some(c)) if c.method == analysis::Method::Enumerate => {
            crate::zones::zone_report(&scenario, &in_force)?.map(|(inputs, z)| (inputs.states(), z))
        }
        _ => None,
    };
    let extra = match &zone_choice {
        Some(c) => {
            crate::ratification::report(&scenario, c, zones.as_ref().map(|(_, z)| z), &in_force, &args.ratification)?
        }
        None => None,
    };
    drop(spinner);
    drop(deadline);
    // Too many parties for a figure: the analysis is printed all the same, and the reason on stderr.
    let no_plot = args.plot.as_ref().and_then(|_| crate::figure::no_plot_reason(&scenario));
    if let Some(why) = &no_plot {
        eprintln!("note: {why}; the analysis is printed without it");
    }
    if let Some(path) = args.plot.as_ref().filter(|_| no_plot.is_none()) {
        crate::figure::write_plot(path, analysed, &analysis, None)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if args.json {
        let mut doc = AnalysisDoc::new(analysed, &analysis, &choice, zone_choice.as_ref());
        if let Some((_, z)) = &zones {
            doc.delegations = Some(DelegationsDoc::Enumerated(Box::new(ZonesDoc::new(&scenario, z, at))));
        }
        if let Some(e) = extra.as_ref() {
            e.add_to(&mut doc);
        }
        doc.talks = talks_scope.map(|s| s.doc);
        outln!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        if let Some(s) = &talks_scope {
            out!("{}", s.doc.text());
        }
        out!("{}", analysis_text(analysed, &analysis));
        out!("{}", method_text(&choice, zone_choice.as_ref()));
        if let Some((states, z)) = &zones {
            out!("{}", zone_text(&scenario, states, z, at));
        }
        if let Some(e) = &extra {
            out!("{}", e.text);
        }
        if let Some(path) = args.plot.as_ref().filter(|_| no_plot.is_none()) {
            outln!("Figure written to {}", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `analyze` on a talks file: the talks as they stand at minute `minute`.
struct TalksScope {
    /// The scenario reduced to what the talks negotiate then.
    negotiated: Scenario,
    /// The delegations' states as the renderers show them, each bloc's
    /// acceptable outcomes counted among the negotiated ones.
    states: Vec<DelegationState>,
    /// The zone analysis: the one the talks' assessment makes.
    zones: ZoneReport,
    doc: TalksScopeDoc,
}

fn talks_scope(scenario: &Scenario, talks: &entente_talks::Talks, minute: u64, at: f64) -> anyhow::Result<TalksScope> {
    let clock = entente_talks::model::clock(minute);
    let ctx = || format!("analysing the talks as they stand on {clock}");
    let standing = Standing::at(talks, minute).with_context(ctx)?;
    let zones = standing.zones(talks).with_context(ctx)?;
    let negotiated = standing.negotiated_scenario(talks).with_context(ctx)?;
    let space = &scenario.space;
    let states = standing
        .delegations(talks)
        .with_context(ctx)?
        .iter()
        .map(|d| DelegationState::counted(d.party, &d.instructions, &d.sets, &d.accepts))
        .collect();
    let name = |i: usize| space.issues().get(i).map_or_else(|| format!("#{i}"), |x| x.name.clone());
    let mut negotiated_issues = standing.negotiated.clone();
    negotiated_issues.sort_unstable();
    let doc = TalksScopeDoc {
        minute,
        clock,
        at,
        negotiated: negotiated_issues.iter().map(|&i| name(i)).collect(),
        fixed: standing
            .fixed
            .iter()
            .map(|&(i, v)| {
                let value =
                    space.issues().get(i).and_then(|x| x.value(v)).map_or_else(|| v.to_string(), |x| x.to_string());
                (name(i), value)
            })
            .collect(),
        reservations: standing.reservations.clone(),
    };
    Ok(TalksScope { negotiated, states, zones, doc })
}
