//! `analyze` for divided delegations beyond the enumerated zone analysis:
//! the probability of ratification under uncertainty (seeded Monte Carlo) and
//! the zones of spaces too large to enumerate (exact check for linear additive
//! utilities, and a sampling estimate). Methods: `docs/delegations-analysis.md`.

use anyhow::{Context, bail};
use clap::Args;
use entente_core::OutcomeIndex;
use entente_core::analysis::zones::{Diagnosis, ZoneReport};
use entente_core::analysis::zones_sampled::{ExactOptions, LargeDiagnosis};
use entente_core::analysis::{Choice, Method};
use entente_model::Scenario;
use entente_model::timeline::InForce;
use entente_protocols::montecarlo::{MonteCarloOptions, has_uncertainty, large_zones, ratification_probability};
use entente_report::analysis::{AnalysisDoc, DelegationsDoc};
use entente_report::ratification::{LargeZonesDoc, RatificationDoc, large_text, ratification_text};

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
    pub delegations: Option<LargeZonesDoc>,
    /// The probability of ratification (JSON key `ratification`).
    pub ratification: Option<RatificationDoc>,
}

impl Report {
    /// Puts the document parts into `analyze`'s document.
    pub fn add_to(&self, doc: &mut AnalysisDoc) {
        if let Some(v) = &self.delegations {
            doc.delegations = Some(DelegationsDoc::LargeSpace(Box::new(v.clone())));
        }
        if let Some(v) = &self.ratification {
            doc.ratification = Some(v.clone());
        }
    }
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
/// `zone_choice`: how the analysis library chose to find the zones
/// ([`Method::Sample`]: here, by the exact additive check and sampling);
/// `zones`: the enumerated zone analysis (`crate::zones::zone_report`), when
/// the space was enumerated; its diagnosis gives the package by default.
pub fn report(
    scenario: &Scenario,
    zone_choice: &Choice,
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
    if zone_choice.method == Method::Sample {
        let r = large_zones(scenario, at, args.samples, seed, ExactOptions::default(), crate::thread_pool()?)
            .context("the zone analysis of a large space")?;
        out.text.push_str(&large_text(scenario, &r));
        out.delegations = Some(LargeZonesDoc::new(scenario, &r));
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
        crate::budget::check(
            (draws as u128).saturating_mul(crate::budget::DRAW_BYTES),
            format!("--draws {draws}"),
            "ask for fewer draws",
        )?;
        let e =
            ratification_probability(scenario, at, package, MonteCarloOptions::new(draws, seed), crate::thread_pool()?)
                .context("the probability of ratification")?;
        let own = e.package.map(|p| own_utilities(scenario, at, p)).unwrap_or_default();
        out.text.push_str(&ratification_text(scenario, &e, &own));
        out.ratification = Some(RatificationDoc::new(scenario, &e, &own));
    }
    Ok((!out.text.is_empty()).then_some(out))
}

fn own_utilities(scenario: &Scenario, at: &InForce, outcome: OutcomeIndex) -> Vec<f64> {
    let Ok(values) = scenario.space.values_of(outcome) else { return vec![] };
    let Ok(times) = entente_protocols::montecarlo::AtTime::new(scenario, at) else { return vec![] };
    times.own.iter().map(|u| entente_core::UtilityFunction::utility(u, &values)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn load(text: &str) -> Scenario {
        entente_formats::parse_scenario(text, Path::new("test.toml")).expect("a valid scenario")
    }

    /// How the analysis library finds the zones of `s`.
    fn zone_choice(s: &Scenario) -> Choice {
        entente_core::analysis::Limits::default().choose_zone_method(s.space.cardinality())
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
        let r = report(&s, &zone_choice(&s), Some(&z), &InForce::relative(&s, 0.0), &args).unwrap().unwrap();
        assert!(r.text.contains("Probability of ratification under uncertainty (200 draws, seed 3"), "{}", r.text);
        assert!(r.text.contains("delegation_b ratifies it:"), "{}", r.text);
        assert!(r.delegations.is_none());
        let v = serde_json::to_value(r.ratification.unwrap()).unwrap();
        assert_eq!(v["draws"], 200);
        assert_eq!(v["delegations"][0]["blocs"].as_array().unwrap().len(), 3);
        // Same seed, same report.
        let again = report(&s, &zone_choice(&s), Some(&z), &InForce::relative(&s, 0.0), &args).unwrap().unwrap();
        assert_eq!(again.text, r.text);
        // No uncertainty and no --draws: nothing to add.
        let plain = load(EXAMPLE);
        assert!(
            report(
                &plain,
                &zone_choice(&plain),
                Some(&z),
                &InForce::relative(&plain, 0.0),
                &RatificationArgs::default()
            )
            .unwrap()
            .is_none()
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
        assert_eq!(zone_choice(&s).method, Method::Sample);
        let args = RatificationArgs { draws: Some(20), seed: None, package: None, samples: 5000 };
        let r = report(&s, &zone_choice(&s), None, &InForce::relative(&s, 0.0), &args).unwrap().unwrap();
        assert!(r.text.contains("space too large to enumerate (1000000000000 outcomes"), "{}", r.text);
        assert!(r.text.contains("bloc-level zone: non-empty; Nash package"), "{}", r.text);
        assert!(r.text.contains("Sampled (5000 uniform outcomes, seed 5)"), "{}", r.text);
        assert!(r.text.contains("Probability of ratification under uncertainty (20 draws"), "{}", r.text);
        let d = serde_json::to_value(r.delegations.unwrap()).unwrap();
        assert_eq!(d["method"], "large_space");
        assert_eq!(d["exact"]["diagnosis"]["case"], "possible");
        assert_eq!(d["sampled"]["samples"], 5000);
        let rat = serde_json::to_value(r.ratification.unwrap()).unwrap();
        assert_eq!(rat["zone_method"]["method"], "exact_additive");
    }

    #[test]
    fn a_red_line_on_a_large_space_is_diagnosed() {
        // y bans v8 and v9 on i0, which the other party likes best: the zone stays open, and its
        // Nash package keeps off the red line.
        let s = load(&large_toml(true));
        let args = RatificationArgs { draws: Some(0), seed: Some(1), package: None, samples: 2000 };
        let r = report(&s, &zone_choice(&s), None, &InForce::relative(&s, 0.0), &args).unwrap().unwrap();
        let d = serde_json::to_value(r.delegations.unwrap()).unwrap();
        assert!(d["exact"]["bloc_zone"]["nonempty"].as_bool().unwrap());
        let v = d["exact"]["bloc_zone"]["nash"]["outcome"]["i0"].as_str().unwrap().to_string();
        assert!(v != "v8" && v != "v9", "{v}");
        assert!(r.ratification.is_none());
    }
}
