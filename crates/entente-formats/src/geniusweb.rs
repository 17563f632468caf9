//! GeniusWeb JSON: domains (`issuesValues`) and `LinearAdditiveUtilitySpace`
//! profiles, read and written.
//!
//! - A domain maps issue names to `{"values": [...]}` (discrete) or
//!   `{"range": {"low", "high", "step"}}` (numbers `low + k·step ≤ high`; the
//!   array form `[low, high, step]` is read too). Issues keep the order of the
//!   JSON object. A range with integral bounds and step 1 is an integer issue;
//!   any other range is a real issue over its points.
//! - A profile gives, per issue, `DiscreteValueSetUtilities` (a utility per
//!   value: a table, used as written, no normalisation) or
//!   `NumberValueSetUtilities` (0 outside `[lowValue, highValue]`, linear in
//!   between: [`ValueFunction::Interpolated`]), and `issueWeights`. The utility
//!   is `Σ w_i · u_i(x_i)` from 0 in the domain's issue order.
//! - The reservation is a bid (`reservationBid`): the reservation value is that
//!   bid's utility (issues missing from the bid count 0). There is no discount.
//!
//! Errors name the file and the field path (or line and column for malformed
//! JSON).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use entente_core::{
    Issue, IssueKind, LinearAdditive, OutcomeSpace, Preferences, UtilityFunction, Value as OutcomeValue, ValueFunction,
};
use entente_model::SaoConfig;
use entente_model::{Party, Scenario};
use serde_json::{Map, Value, json};

use crate::Format;
use crate::error::FormatError;
use crate::genius::{ReadOptions, choose_profiles, list_files, party_name, plan_files, write_files};
use crate::scenario::DEFAULT_N_STEPS;

/// Outcomes searched for a bid whose utility is a party's reservation value
/// when writing a profile.
const RESERVATION_SEARCH_LIMIT: u128 = 10_000_000;

/// A GeniusWeb domain: its name and outcome space.
#[derive(Clone, Debug)]
pub struct GeniusWebDomain {
    pub name: String,
    pub space: OutcomeSpace,
}

struct JsonDoc<'a> {
    file: &'a Path,
}

impl JsonDoc<'_> {
    fn err(&self, field: &str, message: impl Into<String>) -> FormatError {
        FormatError::Field { file: self.file.to_path_buf(), field: field.to_string(), message: message.into() }
    }

    fn object<'v>(&self, v: &'v Value, field: &str) -> Result<&'v Map<String, Value>, FormatError> {
        v.as_object().ok_or_else(|| self.err(field, format!("expected an object, found {}", kind(v))))
    }

    fn get<'v>(&self, m: &'v Map<String, Value>, key: &str, field: &str) -> Result<&'v Value, FormatError> {
        m.get(key).ok_or_else(|| self.err(field, format!("`{key}` is missing")))
    }

    fn number(&self, v: &Value, field: &str) -> Result<f64, FormatError> {
        match v.as_f64() {
            Some(x) if x.is_finite() => Ok(x),
            _ => Err(self.err(field, format!("expected a number, found {}", kind(v)))),
        }
    }
}

fn kind(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("{b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {:?}", s.chars().take(40).collect::<String>()),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

fn parse_json(text: &str, path: &Path) -> Result<Value, FormatError> {
    serde_json::from_str(text).map_err(|e| FormatError::json(path, &e))
}

/// Reads a JSON file as text; a UTF-8 byte-order mark (which JSON forbids, and some editors write) is dropped.
#[allow(clippy::disallowed_methods)] // reads or writes files: the job of this crate
fn read_json_text(path: &Path) -> Result<String, FormatError> {
    let text = std::fs::read_to_string(path).map_err(|e| FormatError::io(path, e))?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

fn read_json(path: &Path) -> Result<Value, FormatError> {
    parse_json(&read_json_text(path)?, path)
}

/// A GeniusWeb number range that entente cannot read as an issue.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
enum RangeError {
    #[error("the step must be positive, not {step}")]
    Step { step: f64 },
    #[error("high {high} is below low {low}")]
    Order { low: f64, high: f64 },
    #[error("{points} points are too many for one issue")]
    TooManyPoints { points: f64 },
}

/// Why GeniusWeb cannot express a party's preferences (the writer names the
/// party and issue in the field path of the [`FormatError::Field`] it becomes).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
enum ProfileError {
    #[error("GeniusWeb profiles are linear additive; these preferences are not")]
    NotAdditive,
    #[error("GeniusWeb utilities have no constant term; this one has bias {bias}")]
    Bias { bias: f64 },
    #[error("GeniusWeb profiles have no discount factor; this party's is {discount}")]
    Discount { discount: f64 },
    #[error("a discrete issue needs a table of value utilities")]
    DiscreteNeedsTable,
    #[error("GeniusWeb value utilities must be in [0, 1]; this issue has {utility}")]
    OutOfUnitRange { utility: f64 },
    #[error(
        "GeniusWeb gives number issues a linear interpolation between two values \
         (NumberValueSetUtilities) only; this value function is not one"
    )]
    NotInterpolation,
    #[error("GeniusWeb's NumberValueSetUtilities would not give the same utilities")]
    NotSameUtilities,
    #[error(
        "GeniusWeb gives a reservation as a bid (reservationBid), and no outcome has utility exactly {reservation} \
         (searched {searched} outcomes)"
    )]
    NoReservationBid { reservation: f64, searched: u128 },
}

/// The issue of a GeniusWeb number range `low + k·step ≤ high`.
fn range_issue(name: &str, low: f64, high: f64, step: f64) -> Result<Issue, RangeError> {
    if step <= 0.0 {
        return Err(RangeError::Step { step });
    }
    if high < low {
        return Err(RangeError::Order { low, high });
    }
    let q = (high - low) / step;
    let near = q.round();
    let exact = (q - near).abs() <= 1e-9 * near.max(1.0);
    let n = if exact { near } else { q.floor() };
    if n.is_nan() || n >= (u32::MAX - 1) as f64 {
        return Err(RangeError::TooManyPoints { points: q });
    }
    let integral = |x: f64| x.fract() == 0.0 && x.abs() < 9.0e15;
    if step == 1.0 && integral(low) && exact && integral(high) {
        return Ok(Issue::integer(name, low as i64, high as i64));
    }
    let max = if exact { high } else { low + n * step };
    Ok(Issue::real(name, low, max, n as u32 + 1))
}

fn domain_from(doc: &JsonDoc, v: &Value, field: &str) -> Result<GeniusWebDomain, FormatError> {
    let m = doc.object(v, field)?;
    let name = match m.get("name") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => {
            return Err(doc.err(&format!("{field}name"), format!("expected a string, found {}", kind(other))));
        }
        None => String::new(),
    };
    let iv_field = format!("{field}issuesValues");
    let iv = doc.object(doc.get(m, "issuesValues", field.trim_end_matches('.'))?, &iv_field)?;
    if iv.is_empty() {
        return Err(doc.err(&iv_field, "a domain needs at least one issue"));
    }
    let mut issues = Vec::with_capacity(iv.len());
    for (issue, spec) in iv {
        let f = format!("{iv_field}.{issue}");
        let s = doc.object(spec, &f)?;
        if let Some(values) = s.get("values") {
            let vf = format!("{f}.values");
            let list =
                values.as_array().ok_or_else(|| doc.err(&vf, format!("expected an array, found {}", kind(values))))?;
            let mut seen = HashSet::new();
            let mut labels = Vec::with_capacity(list.len());
            for (j, v) in list.iter().enumerate() {
                let Some(label) = v.as_str() else {
                    return Err(doc.err(&format!("{vf}[{j}]"), format!("expected a string, found {}", kind(v))));
                };
                if !seen.insert(label) {
                    return Err(doc.err(&format!("{vf}[{j}]"), format!("value {label:?} is listed twice")));
                }
                labels.push(label.to_string());
            }
            if labels.is_empty() {
                return Err(doc.err(&vf, "a discrete issue needs at least one value"));
            }
            issues.push(Issue::discrete(issue.clone(), labels));
        } else if let Some(range) = s.get("range") {
            let rf = format!("{f}.range");
            let (low, high, step) = match range {
                Value::Array(a) if a.len() == 3 => (
                    doc.number(&a[0], &format!("{rf}[0]"))?,
                    doc.number(&a[1], &format!("{rf}[1]"))?,
                    doc.number(&a[2], &format!("{rf}[2]"))?,
                ),
                Value::Object(o) => (
                    doc.number(doc.get(o, "low", &rf)?, &format!("{rf}.low"))?,
                    doc.number(doc.get(o, "high", &rf)?, &format!("{rf}.high"))?,
                    doc.number(doc.get(o, "step", &rf)?, &format!("{rf}.step"))?,
                ),
                other => {
                    return Err(
                        doc.err(&rf, format!("expected {{\"low\", \"high\", \"step\"}}, found {}", kind(other)))
                    );
                }
            };
            issues.push(range_issue(issue, low, high, step).map_err(|e| doc.err(&rf, e.to_string()))?);
        } else {
            return Err(doc.err(&f, "expected `values` (a discrete issue) or `range` (a number issue)"));
        }
    }
    let space = OutcomeSpace::new(issues).map_err(|e| doc.err(&iv_field, e.to_string()))?;
    Ok(GeniusWebDomain { name, space })
}

/// Reads a GeniusWeb domain file.
pub fn read_geniusweb_domain(path: &Path) -> Result<GeniusWebDomain, FormatError> {
    let v = read_json(path)?;
    domain_from(&JsonDoc { file: path }, &v, "")
}

fn same_space(a: &OutcomeSpace, b: &OutcomeSpace) -> bool {
    a.issues() == b.issues()
}

fn value_functions(
    doc: &JsonDoc,
    space: &OutcomeSpace,
    la: &Map<String, Value>,
) -> Result<(Vec<f64>, Vec<ValueFunction>), FormatError> {
    let base = "LinearAdditiveUtilitySpace";
    let uf = format!("{base}.issueUtilities");
    let utils = doc.object(doc.get(la, "issueUtilities", base)?, &uf)?;
    let wf = format!("{base}.issueWeights");
    let weights = doc.object(doc.get(la, "issueWeights", base)?, &wf)?;
    for key in utils.keys() {
        if space.issue_position(key).is_none() {
            return Err(doc.err(&format!("{uf}.{key}"), format!("the domain has no issue {key:?}")));
        }
    }
    for key in weights.keys() {
        if space.issue_position(key).is_none() {
            return Err(doc.err(&format!("{wf}.{key}"), format!("the domain has no issue {key:?}")));
        }
    }
    let mut ws = Vec::with_capacity(space.issues().len());
    let mut fs = Vec::with_capacity(space.issues().len());
    for issue in space.issues() {
        let name = &issue.name;
        let w = weights.get(name).ok_or_else(|| doc.err(&wf, format!("issue {name:?} has no weight")))?;
        ws.push(doc.number(w, &format!("{wf}.{name}"))?);
        let f = format!("{uf}.{name}");
        let u =
            doc.object(utils.get(name).ok_or_else(|| doc.err(&uf, format!("issue {name:?} has no utilities")))?, &f)?;
        let (key, body) = match (u.len(), u.iter().next()) {
            (1, Some(kv)) => kv,
            _ => {
                return Err(doc.err(
                    &f,
                    "expected one of {\"DiscreteValueSetUtilities\": …} or {\"NumberValueSetUtilities\": …}",
                ));
            }
        };
        let bf = format!("{f}.{key}");
        let body = doc.object(body, &bf)?;
        let vf = match (key.as_str(), &issue.kind) {
            ("DiscreteValueSetUtilities", IssueKind::Discrete { values }) => {
                let vuf = format!("{bf}.valueUtilities");
                let vu = doc.object(doc.get(body, "valueUtilities", &bf)?, &vuf)?;
                for label in vu.keys() {
                    if !values.contains(label) {
                        return Err(
                            doc.err(&format!("{vuf}.{label}"), format!("issue {name:?} has no value {label:?}"))
                        );
                    }
                }
                let mut table = Vec::with_capacity(values.len());
                for label in values {
                    let x = vu
                        .get(label)
                        .ok_or_else(|| doc.err(&vuf, format!("value {label:?} of issue {name:?} has no utility")))?;
                    table.push(doc.number(x, &format!("{vuf}.{label}"))?);
                }
                ValueFunction::Table(table)
            }
            ("NumberValueSetUtilities", IssueKind::Integer { .. } | IssueKind::Real { .. }) => {
                let g = |k: &str| doc.number(doc.get(body, k, &bf)?, &format!("{bf}.{k}"));
                let (low_value, low_utility, high_value, high_utility) =
                    (g("lowValue")?, g("lowUtility")?, g("highValue")?, g("highUtility")?);
                if low_value >= high_value {
                    return Err(doc.err(&bf, format!("lowValue {low_value} must be below highValue {high_value}")));
                }
                ValueFunction::Interpolated { low_value, low_utility, high_value, high_utility }
            }
            ("DiscreteValueSetUtilities", _) => {
                return Err(doc.err(&bf, format!("issue {name:?} is a number issue: expected NumberValueSetUtilities")));
            }
            ("NumberValueSetUtilities", _) => {
                return Err(doc.err(&bf, format!("issue {name:?} is discrete: expected DiscreteValueSetUtilities")));
            }
            (other, _) => {
                return Err(doc.err(
                    &bf,
                    format!("unknown value set utilities {other:?}; expected DiscreteValueSetUtilities or NumberValueSetUtilities"),
                ));
            }
        };
        fs.push(vf);
    }
    Ok((ws, fs))
}

/// Utility of a (possibly partial) bid: `Σ w_i · u_i(x_i)` from 0 over the
/// issues it gives, in issue order (for a complete bid, bit-identical to the
/// utility of that outcome).
fn bid_utility(
    doc: &JsonDoc,
    space: &OutcomeSpace,
    ws: &[f64],
    fs: &[ValueFunction],
    bid: &Value,
    field: &str,
) -> Result<f64, FormatError> {
    let m = doc.object(bid, field)?;
    let (m, field) = match m.get("issuevalues") {
        Some(inner) => {
            let f = format!("{field}.issuevalues");
            (doc.object(inner, &f)?, f)
        }
        None => (m, field.to_string()),
    };
    for key in m.keys() {
        if space.issue_position(key).is_none() {
            return Err(doc.err(&format!("{field}.{key}"), format!("the domain has no issue {key:?}")));
        }
    }
    let mut u = 0.0;
    for (k, issue) in space.issues().iter().enumerate() {
        let Some(v) = m.get(&issue.name) else { continue };
        let vf = format!("{field}.{}", issue.name);
        let x = match (&issue.kind, v, &fs[k]) {
            (IssueKind::Discrete { .. }, Value::String(s), ValueFunction::Table(t)) => {
                let j = issue
                    .index_of(&OutcomeValue::Text(s.clone()))
                    .ok_or_else(|| doc.err(&vf, format!("issue {:?} has no value {s:?}", issue.name)))?;
                t[j as usize]
            }
            (IssueKind::Integer { .. } | IssueKind::Real { .. }, Value::Number(_), f) => {
                f.eval_numeric(doc.number(v, &vf)?)
            }
            _ => return Err(doc.err(&vf, format!("not a value of issue {:?}: {}", issue.name, kind(v)))),
        };
        u += ws[k] * x;
    }
    Ok(u)
}

/// Reads a GeniusWeb profile over `space`.
pub fn read_geniusweb_profile(space: &OutcomeSpace, path: &Path) -> Result<Preferences, FormatError> {
    let v = read_json(path)?;
    profile_from(&JsonDoc { file: path }, space, &v)
}

fn profile_from(doc: &JsonDoc, space: &OutcomeSpace, v: &Value) -> Result<Preferences, FormatError> {
    let top = doc.object(v, "(top level)")?;
    let Some(la) = top.get("LinearAdditiveUtilitySpace") else {
        let keys: Vec<&str> = top.keys().map(|k| k.as_str()).collect();
        return Err(
            doc.err("(top level)", format!("expected a LinearAdditiveUtilitySpace profile, found {}", keys.join(", ")))
        );
    };
    let base = "LinearAdditiveUtilitySpace";
    let la = doc.object(la, base)?;
    if let Some(d) = la.get("domain") {
        let embedded = domain_from(doc, d, &format!("{base}.domain."))?;
        if !same_space(&embedded.space, space) {
            return Err(doc.err(&format!("{base}.domain"), "the profile's domain differs from the domain file"));
        }
    }
    let (ws, fs) = value_functions(doc, space, la)?;
    let reservation = match la.get("reservationBid") {
        None | Some(Value::Null) => f64::NEG_INFINITY,
        Some(bid) => bid_utility(doc, space, &ws, &fs, bid, &format!("{base}.reservationBid"))?,
    };
    let u = LinearAdditive::new(space, ws, fs, 0.0, reservation, None).map_err(|e| doc.err(base, e.to_string()))?;
    Ok(u.into())
}

/// Reads a GeniusWeb domain file and the given profiles (at least 2) as a
/// scenario. Party names are the profile file stems; no party has a
/// negotiator yet.
pub fn read_geniusweb(domain: &Path, profiles: &[PathBuf], _opts: &ReadOptions) -> Result<Scenario, FormatError> {
    let d = read_geniusweb_domain(domain)?;
    scenario_of(d, profiles, domain)
}

fn scenario_of(d: GeniusWebDomain, profiles: &[PathBuf], origin: &Path) -> Result<Scenario, FormatError> {
    if profiles.len() < 2 {
        return Err(FormatError::TooFewProfiles { file: origin.to_path_buf(), given: profiles.len() });
    }
    let mut parties: Vec<Party> = Vec::with_capacity(profiles.len());
    for p in profiles {
        let name = party_name(p);
        if parties.iter().any(|q| q.name == name) {
            return Err(FormatError::DuplicateProfile { file: p.clone(), name });
        }
        let utility = read_geniusweb_profile(&d.space, p)?;
        parties.push(Party { name, utility, strategy: None, delegation: None });
    }
    Ok(Scenario {
        name: if d.name.is_empty() { party_name(origin) } else { d.name },
        description: None,
        space: d.space,
        parties,
        config: SaoConfig { n_steps: DEFAULT_N_STEPS, time_limit: None },
        seed: 0,
    })
}

/// What a JSON file of a GeniusWeb folder holds.
enum JsonKind {
    Domain,
    Profile,
    Other,
}

fn classify(path: &Path) -> Result<JsonKind, FormatError> {
    let text = read_json_text(path)?;
    Ok(match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(m)) if m.contains_key("issuesValues") => JsonKind::Domain,
        Ok(Value::Object(m)) if m.contains_key("LinearAdditiveUtilitySpace") => JsonKind::Profile,
        Ok(_) => JsonKind::Other,
        // Unreadable: classify by its text, so that the reader reports the error.
        Err(_) if text.contains("\"LinearAdditiveUtilitySpace\"") => JsonKind::Profile,
        Err(_) if text.contains("\"issuesValues\"") => JsonKind::Domain,
        Err(_) => JsonKind::Other,
    })
}

/// `.json` files of a folder: domains and profiles, in file-name order.
pub(crate) fn scan_geniusweb_folder(dir: &Path) -> Result<(Vec<PathBuf>, Vec<PathBuf>), FormatError> {
    let mut files = list_files(dir, "json")?;
    files.sort();
    let (mut domains, mut profiles) = (Vec::new(), Vec::new());
    for f in files {
        match classify(&f)? {
            JsonKind::Domain => domains.push(f),
            JsonKind::Profile => profiles.push(f),
            JsonKind::Other => {}
        }
    }
    Ok((domains, profiles))
}

/// Reads a GeniusWeb folder: its domain file (top-level `issuesValues`; without
/// one, the domain embedded in the first chosen profile) and the chosen
/// `LinearAdditiveUtilitySpace` profiles by file stem (default: the first two
/// in file-name order). Other JSON files (such as `specials.json`) are ignored.
pub fn read_geniusweb_folder(
    dir: &Path,
    profiles: Option<&[String]>,
    _opts: &ReadOptions,
) -> Result<Scenario, FormatError> {
    let (domains, available) = scan_geniusweb_folder(dir)?;
    let available: Vec<(PathBuf, bool)> = available.into_iter().map(|p| (p, false)).collect();
    let chosen = choose_profiles(dir, &available, profiles, Format::GeniusWeb)?;
    let (domain, origin) = match domains.as_slice() {
        [d] => (read_geniusweb_domain(d)?, d.clone()),
        [] => {
            let first = &chosen[0];
            let v = read_json(first)?;
            let doc = JsonDoc { file: first };
            let la = doc.object(&v, "(top level)")?.get("LinearAdditiveUtilitySpace").and_then(|l| l.get("domain"));
            let Some(d) = la else {
                return Err(FormatError::NoDomain { file: dir.to_path_buf(), format: Format::GeniusWeb });
            };
            (domain_from(&doc, d, "LinearAdditiveUtilitySpace.domain.")?, first.clone())
        }
        many => {
            let names: Vec<String> = many
                .iter()
                .map(|p| p.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default())
                .collect();
            return Err(FormatError::SeveralDomains {
                file: dir.to_path_buf(),
                format: Format::GeniusWeb,
                files: names,
            });
        }
    };
    scenario_of(domain, &chosen, &origin)
}

// ---------------------------------------------------------------------------
// Writing.

fn domain_json(s: &Scenario) -> Value {
    let mut iv = Map::new();
    for issue in s.space.issues() {
        let spec = match &issue.kind {
            IssueKind::Discrete { values } => json!({ "values": values }),
            IssueKind::Integer { min, max } => json!({ "range": { "low": min, "high": max, "step": 1 } }),
            IssueKind::Real { min, max, steps } => {
                let step = if *steps <= 1 { 1.0 } else { (max - min) / (*steps as f64 - 1.0) };
                json!({ "range": { "low": min, "high": max, "step": step } })
            }
        };
        iv.insert(issue.name.clone(), spec);
    }
    json!({ "name": s.name, "issuesValues": iv })
}

fn same_bits(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

fn issue_utilities(
    issue: &Issue,
    f: &ValueFunction,
    u: &LinearAdditive,
    space: &OutcomeSpace,
    k: usize,
) -> Result<Value, ProfileError> {
    let n = issue.cardinality();
    match &issue.kind {
        IssueKind::Discrete { values } => {
            let t: Vec<f64> = match f {
                ValueFunction::Table(t) => t.clone(),
                ValueFunction::Constant { value } => vec![*value; values.len()],
                _ => return Err(ProfileError::DiscreteNeedsTable),
            };
            if let Some(&utility) = t.iter().find(|x| !(0.0..=1.0).contains(*x)) {
                return Err(ProfileError::OutOfUnitRange { utility });
            }
            let vu: Map<String, Value> = values.iter().cloned().zip(t.iter().map(|&x| json!(x))).collect();
            Ok(json!({ "DiscreteValueSetUtilities": { "valueUtilities": vu } }))
        }
        IssueKind::Integer { .. } | IssueKind::Real { .. } => {
            let (lo, hi) = match issue.kind {
                IssueKind::Integer { min, max } => (min as f64, max as f64),
                IssueKind::Real { min, max, .. } => (min, max),
                IssueKind::Discrete { .. } => (0.0, 0.0),
            };
            let candidate = match *f {
                ValueFunction::Interpolated { .. } => f.clone(),
                ValueFunction::Constant { value } if lo < hi => ValueFunction::Interpolated {
                    low_value: lo,
                    low_utility: value,
                    high_value: hi,
                    high_utility: value,
                },
                _ => return Err(ProfileError::NotInterpolation),
            };
            if n <= 1 << 20 {
                let want: Vec<f64> = (0..n as u32).map(|j| u.value_utility(space, k, j)).collect();
                let got: Vec<f64> =
                    (0..n as u32).map(|j| candidate.eval_numeric(issue.numeric(j).unwrap_or(f64::NAN))).collect();
                if !same_bits(&want, &got) {
                    return Err(ProfileError::NotSameUtilities);
                }
            }
            let ValueFunction::Interpolated { low_value, low_utility, high_value, high_utility } = candidate else {
                return Err(ProfileError::NotInterpolation);
            };
            Ok(json!({ "NumberValueSetUtilities": {
                "lowValue": low_value, "lowUtility": low_utility, "highValue": high_value, "highUtility": high_utility
            } }))
        }
    }
}

fn bid_json(s: &Scenario, values: &[(usize, u32)]) -> Option<Value> {
    let mut bid = Map::new();
    for &(k, j) in values {
        let issue = &s.space.issues()[k];
        let v = match issue.value(j)? {
            OutcomeValue::Text(t) => json!(t),
            OutcomeValue::Int(x) => json!(x),
            OutcomeValue::Real(x) => json!(x),
        };
        bid.insert(issue.name.clone(), v);
    }
    Some(json!({ "issuevalues": bid }))
}

/// A bid (as GeniusWeb writes one) whose utility is exactly `r`: the empty
/// bid for 0, else a bid on one issue (issues left out count 0), else a
/// complete bid, searched among the first [`RESERVATION_SEARCH_LIMIT`] outcomes.
fn reservation_bid(s: &Scenario, u: &LinearAdditive, r: f64) -> Option<Value> {
    if r == 0.0 {
        return bid_json(s, &[]);
    }
    for (k, issue) in s.space.issues().iter().enumerate() {
        for j in 0..issue.cardinality().min(1 << 20) as u32 {
            let x = 0.0 + u.weights()[k] * u.value_utility(&s.space, k, j);
            if x.to_bits() == r.to_bits() {
                return bid_json(s, &[(k, j)]);
            }
        }
    }
    let limit = s.space.cardinality().min(RESERVATION_SEARCH_LIMIT);
    let mut found: Option<Vec<u32>> = None;
    let mut i: u128 = 0;
    s.space.for_each_outcome(|v| {
        if u.utility(v).to_bits() == r.to_bits() {
            found = Some(v.to_vec());
            return false;
        }
        i += 1;
        i < limit
    });
    let values: Vec<(usize, u32)> = found?.into_iter().enumerate().collect();
    bid_json(s, &values)
}

fn profile_json(s: &Scenario, party: &Party, domain: &Value, file: &Path) -> Result<Value, FormatError> {
    let refuse = |issue: Option<usize>, error: ProfileError| FormatError::Field {
        file: file.to_path_buf(),
        field: match issue {
            Some(k) => format!("party {:?}, issue {:?}", party.name, s.space.issues()[k].name),
            None => format!("party {:?}", party.name),
        },
        message: error.to_string(),
    };
    let Some(u) = party.utility.as_additive() else {
        return Err(refuse(None, ProfileError::NotAdditive));
    };
    if u.bias() != 0.0 {
        return Err(refuse(None, ProfileError::Bias { bias: u.bias() }));
    }
    if let Some(discount) = party.utility.discount() {
        return Err(refuse(None, ProfileError::Discount { discount }));
    }
    let mut utilities = Map::new();
    let mut weights = Map::new();
    for (k, issue) in s.space.issues().iter().enumerate() {
        let v = issue_utilities(issue, &u.functions()[k], u, &s.space, k).map_err(|e| refuse(Some(k), e))?;
        utilities.insert(issue.name.clone(), v);
        weights.insert(issue.name.clone(), json!(u.weights()[k]));
    }
    let mut la = Map::new();
    la.insert("issueUtilities".into(), Value::Object(utilities));
    la.insert("issueWeights".into(), Value::Object(weights));
    la.insert("domain".into(), domain.clone());
    la.insert("name".into(), json!(party.name));
    let r = u.reservation();
    if r.is_finite() {
        let bid = reservation_bid(s, u, r).ok_or_else(|| {
            refuse(
                None,
                ProfileError::NoReservationBid {
                    reservation: r,
                    searched: s.space.cardinality().min(RESERVATION_SEARCH_LIMIT),
                },
            )
        })?;
        la.insert("reservationBid".into(), bid);
    }
    Ok(json!({ "LinearAdditiveUtilitySpace": la }))
}

/// Writes a scenario as a GeniusWeb folder: `domain.json` and one
/// `LinearAdditiveUtilitySpace` profile per party, `<party name>.json`.
/// Refuses (naming the party and issue, writing nothing) what GeniusWeb cannot
/// express exactly: non-linear preferences, a bias, a discount factor, value
/// utilities outside [0, 1], number-issue functions other than an
/// interpolation, and a reservation value that no bid has (0 is the empty bid).
/// Returns the files written, the domain first.
pub fn write_geniusweb(s: &Scenario, dir: &Path) -> Result<Vec<PathBuf>, FormatError> {
    let (domain_path, parties) = plan_files(s, dir, "json")?;
    let domain = domain_json(s);
    let pretty = |v: &Value| serde_json::to_string_pretty(v).map(|t| t + "\n");
    let text = pretty(&domain).map_err(|e| FormatError::Serialize { file: domain_path.clone(), error: e })?;
    let mut files = vec![(domain_path, text)];
    for (party, path) in s.parties.iter().zip(parties) {
        let v = profile_json(s, party, &domain, &path)?;
        let text = pretty(&v).map_err(|e| FormatError::Serialize { file: path.clone(), error: e })?;
        files.push((path, text));
    }
    write_files(dir, &files)?;
    Ok(files.into_iter().map(|(p, _)| p).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_become_integer_or_real_issues() {
        assert_eq!(range_issue("a", 1.0, 5.0, 1.0).unwrap().kind, IssueKind::Integer { min: 1, max: 5 });
        // 12.2, 12.5: the last point below 12.6
        let r = range_issue("p", 12.2, 12.6, 0.3).unwrap();
        let IssueKind::Real { min, max, steps } = r.kind else { panic!("{r:?}") };
        assert_eq!((min, steps), (12.2, 2));
        assert!((max - 12.5).abs() < 1e-12);
        // a step that divides the range up to rounding keeps the high bound
        let r = range_issue("q", 0.0, 1.0, 0.1).unwrap();
        assert_eq!(r.kind, IssueKind::Real { min: 0.0, max: 1.0, steps: 11 });
        assert!(range_issue("z", 0.0, 1.0, 0.0).is_err());
        assert!(range_issue("z", 1.0, 0.0, 0.5).is_err());
    }
}
