//! `analyze` for divided delegations beyond the enumerated zone analysis:
//! the probability of ratification under uncertainty (seeded Monte Carlo) and
//! the zones of spaces too large to enumerate (exact check for linear additive
//! utilities, and a sampling estimate). Methods: `docs/delegations-analysis.md`.

use std::fmt::Write as _;

use anyhow::{Context, bail};
use clap::Args;
use entente_core::OutcomeIndex;
use entente_core::analysis::zones::{Diagnosis, ZoneReport};
use entente_core::analysis::zones_sampled::{
    ExactOptions, ExactZones, LargeDiagnosis, LargePackage, Proportion, SampledSet, SampledZones, ZoneFound,
};
use entente_model::Scenario;
use entente_model::timeline::InForce;
use entente_protocols::montecarlo::{
    LargeZoneReport, MonteCarloOptions, RatificationEstimate, ZoneMethod, has_uncertainty, large_zones,
    ratification_probability,
};
use serde_json::{Value, json};

use crate::analyze::package_line;
use crate::zones::pairs;

/// Spaces with more outcomes than this are not enumerated by the zone
/// analysis (`crate::zones::zone_analysis`): [`report`] analyses them itself.
pub const ZONE_ENUMERATION_LIMIT: usize = 1 << 26;

/// Draws when some bloc declares an uncertainty and `--draws` is not given.
pub const DEFAULT_DRAWS: u64 = 1000;

/// Options of `analyze` for divided delegations under uncertainty and on large spaces.
#[derive(Args, Clone, Debug)]
pub struct RatificationArgs {
    /// Monte Carlo draws for the probability of ratification under uncertainty
    /// (default: 1000 when some bloc declares an uncertainty, else none; 0: none).
    #[arg(long, value_name = "N")]
    pub draws: Option<u64>,
    /// Seed of the draws and of the samples (default: the scenario's seed).
    #[arg(long, value_name = "SEED")]
    pub seed: Option<u64>,
    /// The package whose ratification is estimated, as ISSUE=VALUE pairs separated
    /// by commas, every issue named (default: the package of the diagnosis).
    #[arg(long, value_name = "ISSUE=VALUE,...")]
    pub package: Option<String>,
    /// Uniform random outcomes tested to estimate the zones of a space too large to enumerate.
    #[arg(long, default_value_t = 100_000, value_name = "N")]
    pub samples: u64,
}

impl Default for RatificationArgs {
    fn default() -> Self {
        RatificationArgs { draws: None, seed: None, package: None, samples: 100_000 }
    }
}

/// What [`report`] adds to `analyze`'s output.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// Text to print after the zone analysis.
    pub text: String,
    /// The zone analysis of a space too large to enumerate (JSON key `delegations`).
    pub delegations: Option<Value>,
    /// The probability of ratification (JSON key `ratification`).
    pub ratification: Option<Value>,
}

impl Report {
    /// Puts the JSON parts into `analyze`'s document.
    pub fn add_to(&self, doc: &mut Value) {
        if let Some(v) = &self.delegations {
            doc["delegations"] = v.clone();
        }
        if let Some(v) = &self.ratification {
            doc["ratification"] = v.clone();
        }
    }
}

/// Whether the zone analysis must not enumerate this scenario's space.
pub fn too_large(scenario: &Scenario) -> bool {
    scenario.space.cardinality() > ZONE_ENUMERATION_LIMIT as u128
}

/// The outcome written as `issue=value` pairs (every issue, any order).
pub fn parse_package(scenario: &Scenario, text: &str) -> anyhow::Result<OutcomeIndex> {
    let space = &scenario.space;
    let mut values: Vec<Option<u32>> = vec![None; space.issues().len()];
    for pair in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let Some((name, value)) = pair.split_once('=') else {
            bail!("--package: {pair:?} is not ISSUE=VALUE");
        };
        let (name, value) = (name.trim(), value.trim());
        let Some(k) = space.issue_position(name) else {
            bail!("--package: no issue {name:?}");
        };
        let issue = &space.issues()[k];
        let j = (0..space.radices()[k])
            .find(|&j| issue.value(j).is_some_and(|v| v.to_string() == value))
            .with_context(|| format!("--package: issue {name:?} has no value {value:?}"))?;
        if values[k].replace(j).is_some() {
            bail!("--package: issue {name:?} is given twice");
        }
    }
    let missing: Vec<&str> =
        space.issues().iter().zip(&values).filter(|(_, v)| v.is_none()).map(|(i, _)| i.name.as_str()).collect();
    if !missing.is_empty() {
        bail!("--package: no value for {}", missing.join(", "));
    }
    Ok(space.index_of(&values.into_iter().flatten().collect::<Vec<_>>())?)
}

/// The probability of ratification under uncertainty and, on a space too
/// large to enumerate, the zone analysis; `None` when there is nothing to add
/// (no delegation; an enumerable space without uncertainty and without `--draws`).
///
/// `zones`: the enumerated zone analysis (`crate::zones::zone_report`), when
/// the space was enumerated; its diagnosis gives the package by default.
pub fn report(
    scenario: &Scenario,
    zones: Option<&ZoneReport>,
    at: &InForce,
    args: &RatificationArgs,
) -> anyhow::Result<Option<Report>> {
    if scenario.parties.iter().all(|p| p.delegation.is_none()) {
        return Ok(None);
    }
    let seed = args.seed.unwrap_or(scenario.seed);
    let mut package = args.package.as_deref().map(|p| parse_package(scenario, p)).transpose()?;
    let mut out = Report { text: String::new(), delegations: None, ratification: None };
    if too_large(scenario) {
        let r = large_zones(scenario, at, args.samples, seed, ExactOptions::default())
            .context("the zone analysis of a large space")?;
        out.text.push_str(&large_text(scenario, &r));
        out.delegations = Some(large_json(scenario, &r));
        if package.is_none() {
            package = match &r.exact {
                Ok(e) => match &e.diagnosis {
                    LargeDiagnosis::Possible { package } => Some(package.outcome),
                    LargeDiagnosis::BlockedInternally { substance_package, .. } => Some(substance_package.outcome),
                    LargeDiagnosis::NoAgreementInSubstance => None,
                },
                Err(_) => r.sampled.bloc_zone.witness.or(r.sampled.unitary_zone.witness),
            };
        }
    } else if package.is_none()
        && let Some(z) = zones
    {
        package = match &z.diagnosis {
            Diagnosis::Possible { package } => Some(package.outcome as OutcomeIndex),
            Diagnosis::BlockedInternally { substance_package, .. } => Some(substance_package.outcome as OutcomeIndex),
            Diagnosis::NoAgreementInSubstance => None,
        };
    }
    let draws = args.draws.unwrap_or(if has_uncertainty(scenario) { DEFAULT_DRAWS } else { 0 });
    if draws > 0 {
        let e = ratification_probability(scenario, at, package, MonteCarloOptions::new(draws, seed))
            .context("the probability of ratification")?;
        let own = e.package.map(|p| own_utilities(scenario, at, p)).unwrap_or_default();
        out.text.push_str(&ratification_text(scenario, &e, &own));
        out.ratification = Some(ratification_json(scenario, &e, &own));
    }
    Ok((!out.text.is_empty()).then_some(out))
}

/// A share as a percentage with enough digits for small ones.
fn pct(x: f64) -> String {
    let p = 100.0 * x;
    if p == 0.0 || p >= 0.1 { format!("{p:.1}%") } else { format!("{p:.2e}%") }
}

fn prop_text(p: &Proportion) -> String {
    format!("{} ± {} (95% Wilson interval {} to {})", pct(p.estimate), pct(p.std_error), pct(p.low), pct(p.high))
}

fn prop_json(p: &Proportion) -> Value {
    json!({
        "probability": p.estimate,
        "hits": p.hits,
        "draws": p.samples,
        "std_error": p.std_error,
        "wilson95": [p.low, p.high],
    })
}

fn own_utilities(scenario: &Scenario, at: &InForce, outcome: OutcomeIndex) -> Vec<f64> {
    let Ok(values) = scenario.space.values_of(outcome) else { return vec![] };
    let Ok(times) = entente_protocols::montecarlo::AtTime::new(scenario, at) else { return vec![] };
    times.own.iter().map(|u| entente_core::UtilityFunction::utility(u, &values)).collect()
}

/// The probability of ratification as text; `own`: each party's own utility
/// of the package.
pub fn ratification_text(scenario: &Scenario, e: &RatificationEstimate, own: &[f64]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nProbability of ratification under uncertainty ({} draws, seed {}, instructions at t = {}):",
        e.draws, e.seed, e.at
    );
    match e.package {
        Some(p) => {
            let _ = writeln!(out, "  package {}", package_line(scenario, p, own));
        }
        None => {
            let _ = writeln!(out, "  no package to test (no agreement in substance; --package names one)");
        }
    }
    for d in &e.delegations {
        if let Some(p) = &d.ratified {
            let _ = writeln!(out, "  {} ratifies it: {}", d.party, prop_text(p));
        }
        for b in &d.blocs {
            let unc = match b.uncertainty {
                Some((v, r)) if v > 0.0 || r > 0.0 => {
                    format!("uncertain: ±{v} on each value utility, ±{r} on its reversion")
                }
                _ => "certain".to_string(),
            };
            let unc = if b.red_line == Some(true) { format!("{unc}; the package crosses its red line") } else { unc };
            match &b.accepts {
                Some(p) => {
                    let _ = writeln!(out, "    bloc {:<12} accepts it {}; {unc}", b.bloc, prop_text(p));
                }
                None => {
                    let _ = writeln!(out, "    bloc {:<12} {unc}", b.bloc);
                }
            }
        }
    }
    if let Some(p) = &e.everyone_ratifies {
        let _ = writeln!(out, "  every party ratifies it (it lies in the bloc-level zone): {}", prop_text(p));
    }
    match (&e.zone_nonempty, &e.zone_method) {
        (Some(p), m) => {
            let how = if *m == ZoneMethod::Enumerated { "the space enumerated" } else { "the linear additive search" };
            let _ = writeln!(
                out,
                "  the bloc-level zone is non-empty: {} (decided exactly in each draw, {how})",
                prop_text(p)
            );
        }
        (None, ZoneMethod::NotComputed { reason }) => {
            let _ = writeln!(out, "  the bloc-level zone: not computed ({reason})");
        }
        (None, _) => {}
    }
    out
}

/// The probability of ratification as JSON; `own` as in [`ratification_text`].
pub fn ratification_json(scenario: &Scenario, e: &RatificationEstimate, own: &[f64]) -> Value {
    let opt = |p: &Option<Proportion>| p.as_ref().map_or(Value::Null, prop_json);
    json!({
        "at": e.at,
        "draws": e.draws,
        "seed": e.seed,
        "package": e.package.map_or(Value::Null, |p| json!({
            "outcome_index": p.to_string(),
            "outcome": crate::analyze::outcome_json(scenario, p),
            "utilities": own,
        })),
        "delegations": e.delegations.iter().map(|d| json!({
            "party": d.party,
            "ratified": opt(&d.ratified),
            "blocs": d.blocs.iter().map(|b| json!({
                "bloc": b.bloc,
                "uncertainty": b.uncertainty.map(|(v, r)| json!({"values": v, "reversion": r})),
                "accepts": opt(&b.accepts),
                "crosses_red_line": b.red_line,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "everyone_ratifies": opt(&e.everyone_ratifies),
        "zone_nonempty": opt(&e.zone_nonempty),
        "zone_method": serde_json::to_value(&e.zone_method).unwrap_or(Value::Null),
    })
}

fn sampled_text(s: &SampledSet) -> String {
    match s.empty_or_below {
        Some(x) => format!("none sampled: empty, or smaller than {} of the space (95% confidence)", pct(x)),
        None => format!(
            "{} of the space (95% Wilson interval {} to {}), about {:.3e} outcomes",
            pct(s.fraction.estimate),
            pct(s.fraction.low),
            pct(s.fraction.high),
            s.outcomes
        ),
    }
}

fn sampled_json(scenario: &Scenario, s: &SampledSet) -> Value {
    json!({
        "fraction": s.fraction.estimate,
        "hits": s.fraction.hits,
        "wilson95": [s.fraction.low, s.fraction.high],
        "outcomes_estimate": s.outcomes,
        "outcomes_wilson95": [s.outcomes_low, s.outcomes_high],
        "witness": s.witness.map(|w| json!({
            "outcome_index": w.to_string(),
            "outcome": crate::analyze::outcome_json(scenario, w),
        })),
        "empty_or_below": s.empty_or_below,
    })
}

fn large_package_json(scenario: &Scenario, p: &Option<LargePackage>) -> Value {
    p.as_ref().map_or(Value::Null, |p| {
        json!({
            "outcome_index": p.outcome.to_string(),
            "outcome": crate::analyze::outcome_json(scenario, p.outcome),
            "utilities": p.utilities,
        })
    })
}

fn zone_found_json(scenario: &Scenario, z: &ZoneFound) -> Value {
    json!({
        "nonempty": z.nonempty,
        "witness": large_package_json(scenario, &z.witness),
        "nash": large_package_json(scenario, &z.nash),
    })
}

fn exact_json(scenario: &Scenario, e: &ExactZones) -> Value {
    let pairs = |v: &[(String, String)]| -> Value {
        v.iter().map(|(p, b)| json!({"party": p, "bloc": b})).collect::<Vec<_>>().into()
    };
    let diagnosis = match &e.diagnosis {
        LargeDiagnosis::NoAgreementInSubstance => json!({"case": "no_agreement_in_substance"}),
        LargeDiagnosis::BlockedInternally { responsible, red_lines, substance_package } => json!({
            "case": "blocked_internally",
            "responsible": pairs(responsible),
            "red_lines": pairs(red_lines),
            "substance_package": large_package_json(scenario, &Some(substance_package.clone())),
        }),
        LargeDiagnosis::Possible { package } => json!({
            "case": "possible",
            "package": large_package_json(scenario, &Some(package.clone())),
        }),
    };
    json!({
        "unitary_zone": zone_found_json(scenario, &e.unitary_zone),
        "bloc_zone": zone_found_json(scenario, &e.bloc_zone),
        "diagnosis": diagnosis,
        "merges": e.merges,
        "notes": e.notes,
    })
}

/// The zone analysis of a large space as JSON (`method`: `large_space`).
pub fn large_json(scenario: &Scenario, r: &LargeZoneReport) -> Value {
    let z: &SampledZones = &r.sampled;
    let sets = |v: &[(String, SampledSet)]| -> Value {
        v.iter().map(|(p, s)| json!({"party": p, "estimate": sampled_json(scenario, s)})).collect::<Vec<_>>().into()
    };
    json!({
        "method": "large_space",
        "at": r.at,
        "outcomes": z.outcomes.to_string(),
        "exact": match &r.exact {
            Ok(e) => exact_json(scenario, e),
            Err(reason) => json!({"error": reason}),
        },
        "sampled": {
            "samples": z.samples,
            "seed": r.seed,
            "unitary_sets": sets(&z.unitary_sets),
            "win_sets": sets(&z.win_sets),
            "unitary_zone": sampled_json(scenario, &z.unitary_zone),
            "bloc_zone": sampled_json(scenario, &z.bloc_zone),
        },
    })
}

fn zone_found_text(scenario: &Scenario, z: &ZoneFound) -> String {
    if !z.nonempty {
        return "empty".into();
    }
    match (&z.nash, &z.witness) {
        (Some(p), _) => format!("non-empty; Nash package {}", package_line(scenario, p.outcome, &p.utilities)),
        (None, Some(w)) => format!("non-empty; for example {}", package_line(scenario, w.outcome, &w.utilities)),
        (None, None) => "non-empty".into(),
    }
}

/// The zone analysis of a large space as text.
pub fn large_text(scenario: &Scenario, r: &LargeZoneReport) -> String {
    let mut out = String::new();
    let z = &r.sampled;
    let _ = writeln!(
        out,
        "\nDivided delegations on a space too large to enumerate ({} outcomes; instructions in force at t = {}):",
        z.outcomes, r.at
    );
    match &r.exact {
        Ok(e) => {
            let _ = writeln!(out, "  Exact (linear additive utilities; {} merges):", e.merges);
            let _ = writeln!(out, "    unitary zone:    {}", zone_found_text(scenario, &e.unitary_zone));
            let _ = writeln!(out, "    bloc-level zone: {}", zone_found_text(scenario, &e.bloc_zone));
            let _ = write!(out, "  Diagnosis: ");
            match &e.diagnosis {
                LargeDiagnosis::NoAgreementInSubstance => {
                    let _ = writeln!(
                        out,
                        "no agreement is possible in substance: no outcome beats no agreement for every party."
                    );
                }
                LargeDiagnosis::BlockedInternally { responsible, red_lines, substance_package } => {
                    let _ = writeln!(
                        out,
                        "possible in substance but blocked internally: some outcome suits every party as a \
                         unitary actor, but the delegations cannot ratify any."
                    );
                    if responsible.is_empty() {
                        let _ = writeln!(out, "    No single bloc's yielding opens a zone: the blockage is joint.");
                    } else {
                        let _ = writeln!(
                            out,
                            "    Blocking: {} (each one's yielding alone would open a zone).",
                            pairs(responsible)
                        );
                    }
                    if !red_lines.is_empty() {
                        let _ = writeln!(out, "    Red lines that close the zone: {}.", pairs(red_lines));
                    }
                    let _ = writeln!(
                        out,
                        "    What would pass in substance: {}.",
                        package_line(scenario, substance_package.outcome, &substance_package.utilities)
                    );
                }
                LargeDiagnosis::Possible { package } => {
                    let _ = writeln!(
                        out,
                        "agreement is possible; the suggested package (Nash): {}.",
                        package_line(scenario, package.outcome, &package.utilities)
                    );
                }
            }
            for n in &e.notes {
                let _ = writeln!(out, "  Note: {n}.");
            }
        }
        Err(reason) => {
            let _ = writeln!(out, "  Exact check not made: {reason}.");
        }
    }
    let _ = writeln!(out, "  Sampled ({} uniform outcomes, seed {}):", z.samples, r.seed);
    for ((p, w), (_, u)) in z.win_sets.iter().zip(&z.unitary_sets) {
        let is_delegation = scenario.parties.iter().any(|q| q.name == *p && q.delegation.is_some());
        if is_delegation {
            let _ = writeln!(out, "    win-set of {p}: {}", sampled_text(w));
        }
        let _ = writeln!(out, "    unitary set of {p}: {}", sampled_text(u));
    }
    let _ = writeln!(out, "    unitary zone:    {}", sampled_text(&z.unitary_zone));
    let _ = writeln!(out, "    bloc-level zone: {}", sampled_text(&z.bloc_zone));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn load(text: &str) -> Scenario {
        entente_formats::parse_scenario(text, Path::new("test.toml")).expect("a valid scenario")
    }

    const EXAMPLE: &str = include_str!("../../../scenarios/delegation-unanimity.toml");

    /// The example with every bloc uncertain.
    fn uncertain_example() -> Scenario {
        load(&EXAMPLE.replace("veto = true\n", "veto = true\nuncertainty = { values = 0.1, reversion = 0.05 }\n"))
    }

    #[test]
    fn packages_are_parsed_by_name() {
        let s = load(EXAMPLE);
        let p = parse_package(&s, "assurances=written, designation=yes,dismantle_days=30,guarantor=none").unwrap();
        assert_eq!(s.space.values_of(p).unwrap(), vec![2, 1, 3, 0]);
        for bad in ["assurances=written", "assurances=oral,designation=yes,dismantle_days=30,guarantor=none", "x=1"] {
            assert!(parse_package(&s, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_example_reports_its_probability_of_ratification() {
        let s = uncertain_example();
        let at = InForce::relative(&s, 0.0);
        let (_, z) = crate::zones::zone_report(&s, &at).unwrap().unwrap();
        let args = RatificationArgs { draws: Some(200), seed: Some(3), package: None, samples: 1000 };
        let r = report(&s, Some(&z), &at, &args).unwrap().unwrap();
        assert!(r.text.contains("Probability of ratification under uncertainty (200 draws, seed 3"), "{}", r.text);
        assert!(r.text.contains("delegation_b ratifies it:"), "{}", r.text);
        assert!(r.delegations.is_none());
        let v = r.ratification.unwrap();
        assert_eq!(v["draws"], 200);
        assert_eq!(v["delegations"][0]["blocs"].as_array().unwrap().len(), 3);
        // Same seed, same report.
        let again = report(&s, Some(&z), &at, &args).unwrap().unwrap();
        assert_eq!(again.text, r.text);
        // No uncertainty and no --draws: nothing to add.
        let plain = load(EXAMPLE);
        assert!(
            report(&plain, Some(&z), &InForce::relative(&plain, 0.0), &RatificationArgs::default()).unwrap().is_none()
        );
    }

    /// 12 issues of 10 values (10^12 outcomes): the other party wants high values everywhere;
    /// bloc a wants low values on the first three issues, bloc b high ones; b may draw a red line.
    fn large_toml(red_line: bool) -> String {
        let mut t = String::from("name = \"large\"\n[protocol]\nseed = 5\n");
        let values: Vec<String> = (0..10).map(|j| format!("\"v{j}\"")).collect();
        for k in 0..12 {
            t += &format!("[[issues]]\nname = \"i{k}\"\nvalues = [{}]\n", values.join(", "));
        }
        let ramp = |up: bool| -> String {
            let v: Vec<String> = (0..10).map(|j| format!("{}", if up { j } else { 9 - j } as f64 / 9.0)).collect();
            format!("[{}]", v.join(", "))
        };
        let issues = |low_first: bool| -> String {
            (0..12)
                .map(|k| format!("i{k} = {{ weight = 0.0833, values = {} }}\n", ramp(!(low_first && k < 3))))
                .collect()
        };
        t += &format!("[[parties]]\nname = \"a\"\nreservation = 0.5\n[parties.issues]\n{}", issues(false));
        t += "[[parties]]\nname = \"d\"\n[parties.delegation]\nrule = \"unanimity\"\n";
        t += &format!(
            "[[parties.blocs]]\nname = \"x\"\nweight = 0.5\nveto = true\nreversion = 0.45\n\
             uncertainty = {{ values = 0.05, reversion = 0.05 }}\n[parties.blocs.issues]\n{}",
            issues(true)
        );
        let red = if red_line {
            "red_lines = [{ issue = \"i0\", value = \"v9\" }, { issue = \"i0\", value = \"v8\" }]\n"
        } else {
            ""
        };
        t += &format!(
            "[[parties.blocs]]\nname = \"y\"\nweight = 0.5\nveto = true\nreversion = 0.3\n{red}[parties.blocs.issues]\n{}",
            issues(false)
        );
        t
    }

    #[test]
    fn large_spaces_are_analysed_without_enumeration() {
        let s = load(&large_toml(false));
        assert!(too_large(&s));
        let args = RatificationArgs { draws: Some(20), seed: None, package: None, samples: 5000 };
        let r = report(&s, None, &InForce::relative(&s, 0.0), &args).unwrap().unwrap();
        assert!(r.text.contains("space too large to enumerate (1000000000000 outcomes"), "{}", r.text);
        assert!(r.text.contains("bloc-level zone: non-empty; Nash package"), "{}", r.text);
        assert!(r.text.contains("Sampled (5000 uniform outcomes, seed 5)"), "{}", r.text);
        assert!(r.text.contains("Probability of ratification under uncertainty (20 draws"), "{}", r.text);
        let d = r.delegations.unwrap();
        assert_eq!(d["method"], "large_space");
        assert_eq!(d["exact"]["diagnosis"]["case"], "possible");
        assert_eq!(d["sampled"]["samples"], 5000);
        let rat = r.ratification.unwrap();
        assert_eq!(rat["zone_method"]["method"], "exact_additive");
    }

    #[test]
    fn a_red_line_on_a_large_space_is_diagnosed() {
        // y bans v8 and v9 on i0, which the other party likes best: the zone stays open, and its
        // Nash package keeps off the red line.
        let s = load(&large_toml(true));
        let args = RatificationArgs { draws: Some(0), seed: Some(1), package: None, samples: 2000 };
        let r = report(&s, None, &InForce::relative(&s, 0.0), &args).unwrap().unwrap();
        let d = r.delegations.unwrap();
        assert!(d["exact"]["bloc_zone"]["nonempty"].as_bool().unwrap());
        let v = d["exact"]["bloc_zone"]["nash"]["outcome"]["i0"].as_str().unwrap().to_string();
        assert!(v != "v8" && v != "v9", "{v}");
        assert!(r.ratification.is_none());
    }
}
