//! entente's own scenario format (TOML), reading and writing.
//!
//! ```toml
//! name = "Used car"
//! [protocol]
//! n_steps = 100          # rounds
//! time_limit = 60.0      # seconds, optional
//! seed = 7               # optional, default 0
//!
//! [[issues]]
//! name = "price"
//! values = ["high", "medium", "low"]      # discrete
//! [[issues]]
//! name = "warranty_months"
//! min = 0                                 # integer, inclusive
//! max = 24
//! [[issues]]
//! name = "delivery"
//! min = 0.0                               # real, negotiated on `steps` points
//! max = 1.0
//! steps = 5
//!
//! [[parties]]
//! name = "buyer"
//! reservation = 0.3                       # optional, default none
//! discount = 0.9                          # optional
//! negotiator = { strategy = "boulware" }  # optional here, or on the command line
//! [parties.issues]
//! price = { weight = 0.6, values = { high = 0.0, medium = 0.5, low = 1.0 } }
//! warranty_months = { weight = 0.3, linear = { slope = 0.0416, intercept = 0.0 } }
//! delivery = { weight = 0.1, values = [1.0, 0.8, 0.5, 0.2, 0.0] }
//! ```
//!
//! Every error names the file and the line and column of the offending item.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use entente_core::{Issue, IssueKind, LinearAdditive, OutcomeSpace, UtilityFunction, Value, ValueFunction};
use entente_protocols::SaoConfig;
use entente_protocols::negotiators::{StrategyOptions, StrategySpec, TimeBasedName};
use entente_protocols::scenario::{Party, Scenario};
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::error::FormatError;

/// Default number of rounds when a scenario does not say.
pub const DEFAULT_N_STEPS: u32 = 100;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDecl {
    name: Option<String>,
    description: Option<String>,
    #[serde(default)]
    protocol: Option<Spanned<ProtocolDecl>>,
    issues: Spanned<Vec<Spanned<IssueDecl>>>,
    parties: Spanned<Vec<Spanned<PartyDecl>>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ProtocolDecl {
    n_steps: Option<Spanned<i64>>,
    time_limit: Option<Spanned<f64>>,
    seed: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IssueDecl {
    name: Spanned<String>,
    #[serde(rename = "type")]
    kind: Option<Spanned<String>>,
    values: Option<Spanned<Vec<Spanned<toml::Value>>>>,
    min: Option<Spanned<toml::Value>>,
    max: Option<Spanned<toml::Value>>,
    steps: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PartyDecl {
    name: Spanned<String>,
    reservation: Option<Spanned<f64>>,
    discount: Option<Spanned<f64>>,
    bias: Option<Spanned<f64>>,
    negotiator: Option<Spanned<NegotiatorDecl>>,
    issues: Spanned<BTreeMap<String, Spanned<IssueUtilityDecl>>>,
}

/// A negotiator as declared: a strategy name and its optional parameters.
#[derive(Deserialize, Serialize, Default, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct NegotiatorDecl {
    pub strategy: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exponent: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_aspiration: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rational_only: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kindness: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub punish: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_accept: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_reject: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_end: Option<f64>,
}

impl NegotiatorDecl {
    /// Resolves the declaration to a checked strategy.
    pub fn resolve(&self) -> Result<StrategySpec, entente_protocols::negotiators::StrategyError> {
        let o = StrategyOptions {
            exponent: self.exponent,
            tolerance: self.tolerance,
            max_aspiration: self.max_aspiration,
            rational_only: self.rational_only,
            kindness: self.kindness,
            punish: self.punish,
            p_accept: self.p_accept,
            p_reject: self.p_reject,
            p_end: self.p_end,
        };
        StrategySpec::from_name(&self.strategy, &o)
    }

    /// The declaration that resolves to `spec`.
    pub fn from_spec(spec: &StrategySpec) -> Self {
        match *spec {
            StrategySpec::TimeBased { name, params } => {
                let strategy = match name {
                    TimeBasedName::Boulware => "boulware",
                    TimeBasedName::Linear => "linear",
                    TimeBasedName::Conceder => "conceder",
                    TimeBasedName::Aspiration => "aspiration",
                    TimeBasedName::TimeBased => "time-based",
                };
                NegotiatorDecl {
                    strategy: strategy.into(),
                    exponent: Some(params.exponent),
                    tolerance: Some(params.tolerance),
                    max_aspiration: Some(params.max_aspiration),
                    rational_only: Some(params.rational_only),
                    ..Default::default()
                }
            }
            StrategySpec::TitForTat(p) => NegotiatorDecl {
                strategy: "tit-for-tat".into(),
                kindness: Some(p.kindness),
                punish: Some(p.punish),
                ..Default::default()
            },
            StrategySpec::Tough => NegotiatorDecl { strategy: "tough".into(), ..Default::default() },
            StrategySpec::Random(p) => NegotiatorDecl {
                strategy: "random".into(),
                p_accept: Some(p.p_accept),
                p_reject: Some(p.p_reject),
                p_end: Some(p.p_end),
                ..Default::default()
            },
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IssueUtilityDecl {
    weight: Spanned<f64>,
    values: Option<Spanned<ValuesDecl>>,
    linear: Option<Spanned<LinearDecl>>,
    triangular: Option<Spanned<TriangularDecl>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ValuesDecl {
    List(Vec<f64>),
    Map(BTreeMap<String, f64>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LinearDecl {
    slope: f64,
    intercept: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TriangularDecl {
    start: f64,
    peak: f64,
    end: f64,
}

/// Converts byte offsets into 1-based line and column.
struct Locator<'a> {
    file: &'a Path,
    text: &'a str,
}

impl Locator<'_> {
    fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before.rfind('\n').map_or(offset, |i| offset - i - 1) + 1;
        (line, column)
    }

    fn at(&self, span: Range<usize>, message: impl Into<String>) -> FormatError {
        let (line, column) = self.position(span.start);
        FormatError::Syntax { file: self.file.to_path_buf(), line, column, message: message.into() }
    }
}

/// Reads a scenario file.
pub fn read_scenario(path: &Path) -> Result<Scenario, FormatError> {
    let text = std::fs::read_to_string(path).map_err(|e| FormatError::io(path, e))?;
    parse_scenario(&text, path)
}

/// Parses scenario text; `path` is used in error messages.
pub fn parse_scenario(text: &str, path: &Path) -> Result<Scenario, FormatError> {
    let loc = Locator { file: path, text };
    let decl: FileDecl = toml::from_str(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        loc.at(span, e.message().trim().to_string())
    })?;

    // Protocol.
    let proto = decl.protocol.map(|p| p.into_inner()).unwrap_or_default();
    let n_steps = match proto.n_steps {
        None => DEFAULT_N_STEPS,
        Some(n) => {
            let v = *n.get_ref();
            if !(1..=100_000_000).contains(&v) {
                return Err(loc.at(n.span(), format!("protocol.n_steps must be from 1 to 100000000, not {v}")));
            }
            v as u32
        }
    };
    let time_limit = match proto.time_limit {
        None => None,
        Some(t) => {
            let v = *t.get_ref();
            if !(v.is_finite() && v > 0.0) {
                return Err(
                    loc.at(t.span(), format!("protocol.time_limit must be a positive number of seconds, not {v}"))
                );
            }
            Some(v)
        }
    };
    let seed = match proto.seed {
        None => 0,
        Some(s) => {
            let v = *s.get_ref();
            if v < 0 {
                return Err(loc.at(s.span(), format!("protocol.seed must be a non-negative integer, not {v}")));
            }
            v as u64
        }
    };

    // Issues.
    let issues_span = decl.issues.span();
    let issue_decls = decl.issues.into_inner();
    if issue_decls.is_empty() {
        return Err(loc.at(issues_span, "a scenario needs at least one issue ([[issues]])"));
    }
    let mut issues = Vec::with_capacity(issue_decls.len());
    let mut issue_spans = Vec::with_capacity(issue_decls.len());
    for d in &issue_decls {
        issues.push(read_issue(&loc, d)?);
        issue_spans.push(d.span());
    }
    let space = OutcomeSpace::new(issues).map_err(|e| {
        let span = match &e {
            entente_core::ModelError::Issue { issue, .. } => issue_decls
                .iter()
                .rev()
                .find(|d| d.get_ref().name.get_ref() == issue)
                .map(|d| d.get_ref().name.span())
                .unwrap_or(issues_span.clone()),
            _ => issues_span.clone(),
        };
        loc.at(span, e.to_string())
    })?;

    // Parties.
    let parties_span = decl.parties.span();
    let party_decls = decl.parties.into_inner();
    if party_decls.len() < 2 {
        return Err(
            loc.at(parties_span, format!("a negotiation needs at least 2 parties, found {}", party_decls.len()))
        );
    }
    let mut parties = Vec::with_capacity(party_decls.len());
    let mut names = std::collections::HashSet::new();
    for d in &party_decls {
        let p = d.get_ref();
        let name = p.name.get_ref().trim().to_string();
        if name.is_empty() {
            return Err(loc.at(p.name.span(), "a party needs a non-empty name"));
        }
        if !names.insert(name.clone()) {
            return Err(loc.at(p.name.span(), format!("two parties are named {name:?}")));
        }
        parties.push(read_party(&loc, &space, p, &name)?);
    }

    Ok(Scenario {
        name: decl
            .name
            .unwrap_or_else(|| path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()),
        description: decl.description,
        space,
        parties,
        config: SaoConfig { n_steps, time_limit },
        seed,
    })
}

fn read_issue(loc: &Locator, d: &Spanned<IssueDecl>) -> Result<Issue, FormatError> {
    let i = d.get_ref();
    let name = i.name.get_ref().trim().to_string();
    if name.is_empty() {
        return Err(loc.at(i.name.span(), "an issue needs a non-empty name"));
    }
    let kind = i.kind.as_ref().map(|k| (k.get_ref().to_ascii_lowercase(), k.span()));
    let inferred = match (&kind, &i.values, &i.min, &i.steps) {
        (Some((k, _)), ..) => k.clone(),
        (None, Some(_), ..) => "discrete".into(),
        (None, None, _, Some(_)) => "real".into(),
        (None, None, Some(m), None) if matches!(m.get_ref(), toml::Value::Float(_)) => "real".into(),
        (None, None, Some(_), None) => "integer".into(),
        (None, None, None, None) => {
            return Err(loc.at(
                d.span(),
                format!("issue {name:?}: give `values = [...]`, or `min` and `max` (and `steps` for a real issue)"),
            ));
        }
    };
    let only = |ok: bool, field: &str, span: Range<usize>| -> Result<(), FormatError> {
        if ok {
            Ok(())
        } else {
            Err(loc.at(span, format!("issue {name:?}: `{field}` does not belong to a {inferred} issue")))
        }
    };
    match inferred.as_str() {
        "discrete" => {
            only(i.min.is_none(), "min", i.min.as_ref().map_or(d.span(), |s| s.span()))?;
            only(i.max.is_none(), "max", i.max.as_ref().map_or(d.span(), |s| s.span()))?;
            only(i.steps.is_none(), "steps", i.steps.as_ref().map_or(d.span(), |s| s.span()))?;
            let Some(values) = &i.values else {
                return Err(loc.at(d.span(), format!("issue {name:?}: a discrete issue needs `values = [...]`")));
            };
            let mut labels = Vec::new();
            for v in values.get_ref() {
                let label = match v.get_ref() {
                    toml::Value::String(s) => s.clone(),
                    toml::Value::Integer(n) => n.to_string(),
                    toml::Value::Float(x) => x.to_string(),
                    toml::Value::Boolean(b) => b.to_string(),
                    _ => return Err(loc.at(v.span(), format!("issue {name:?}: a value must be a string or a number"))),
                };
                if labels.contains(&label) {
                    return Err(loc.at(v.span(), format!("issue {name:?}: value {label:?} is listed twice")));
                }
                labels.push(label);
            }
            Ok(Issue::discrete(name, labels))
        }
        "integer" => {
            only(i.values.is_none(), "values", i.values.as_ref().map_or(d.span(), |s| s.span()))?;
            only(i.steps.is_none(), "steps", i.steps.as_ref().map_or(d.span(), |s| s.span()))?;
            let get = |v: &Option<Spanned<toml::Value>>, which: &str| -> Result<i64, FormatError> {
                match v {
                    Some(s) => match s.get_ref() {
                        toml::Value::Integer(n) => Ok(*n),
                        _ => Err(loc
                            .at(s.span(), format!("issue {name:?}: `{which}` of an integer issue must be an integer"))),
                    },
                    None => Err(loc.at(d.span(), format!("issue {name:?}: an integer issue needs `{which}`"))),
                }
            };
            let (min, max) = (get(&i.min, "min")?, get(&i.max, "max")?);
            Ok(Issue::integer(name, min, max))
        }
        "real" => {
            only(i.values.is_none(), "values", i.values.as_ref().map_or(d.span(), |s| s.span()))?;
            let get = |v: &Option<Spanned<toml::Value>>, which: &str| -> Result<f64, FormatError> {
                match v {
                    Some(s) => match s.get_ref() {
                        toml::Value::Integer(n) => Ok(*n as f64),
                        toml::Value::Float(x) => Ok(*x),
                        _ => Err(loc.at(s.span(), format!("issue {name:?}: `{which}` must be a number"))),
                    },
                    None => Err(loc.at(d.span(), format!("issue {name:?}: a real issue needs `{which}`"))),
                }
            };
            let (min, max) = (get(&i.min, "min")?, get(&i.max, "max")?);
            let Some(steps) = &i.steps else {
                return Err(loc.at(
                    d.span(),
                    format!(
                        "issue {name:?}: a real issue is negotiated over `steps` evenly spaced points; give `steps`"
                    ),
                ));
            };
            let s = *steps.get_ref();
            if !(1..=u32::MAX as i64).contains(&s) {
                return Err(loc.at(steps.span(), format!("issue {name:?}: steps must be a positive integer, not {s}")));
            }
            Ok(Issue::real(name, min, max, s as u32))
        }
        other => {
            let span = kind.map_or(d.span(), |(_, s)| s);
            Err(loc.at(span, format!("issue {name:?}: unknown type {other:?}; expected discrete, integer or real")))
        }
    }
}

fn read_party(loc: &Locator, space: &OutcomeSpace, p: &PartyDecl, name: &str) -> Result<Party, FormatError> {
    let issues = p.issues.get_ref();
    for (issue_name, decl) in issues {
        if space.issue_position(issue_name).is_none() {
            return Err(loc.at(decl.span(), format!("party {name:?}: there is no issue {issue_name:?}")));
        }
    }
    let mut weights = Vec::new();
    let mut functions = Vec::new();
    for issue in space.issues() {
        let Some(decl) = issues.get(&issue.name) else {
            return Err(loc.at(
                p.issues.span(),
                format!(
                    "party {name:?}: issue {:?} has no utility (write `{} = {{ weight = 0.0, values = [...] }}` to ignore it)",
                    issue.name, issue.name
                ),
            ));
        };
        let u = decl.get_ref();
        let w = *u.weight.get_ref();
        if !w.is_finite() {
            return Err(
                loc.at(u.weight.span(), format!("party {name:?}: weight of {:?} must be a finite number", issue.name))
            );
        }
        weights.push(w);
        let given = [u.values.is_some(), u.linear.is_some(), u.triangular.is_some()].iter().filter(|b| **b).count();
        if given != 1 {
            return Err(loc.at(
                decl.span(),
                format!("party {name:?}: issue {:?} needs exactly one of `values`, `linear`, `triangular`", issue.name),
            ));
        }
        let f = if let Some(v) = &u.values {
            ValueFunction::Table(read_values(loc, issue, v, name)?)
        } else if let Some(l) = &u.linear {
            if matches!(issue.kind, IssueKind::Discrete { .. }) {
                return Err(loc.at(
                    l.span(),
                    format!("party {name:?}: `linear` needs an integer or real issue; {:?} is discrete", issue.name),
                ));
            }
            let l = l.get_ref();
            ValueFunction::Linear { slope: l.slope, intercept: l.intercept }
        } else if let Some(t) = &u.triangular {
            if matches!(issue.kind, IssueKind::Discrete { .. }) {
                return Err(loc.at(
                    t.span(),
                    format!(
                        "party {name:?}: `triangular` needs an integer or real issue; {:?} is discrete",
                        issue.name
                    ),
                ));
            }
            let tr = t.get_ref();
            ValueFunction::Triangular { start: tr.start, peak: tr.peak, end: tr.end }
        } else {
            unreachable!("exactly one was checked above")
        };
        functions.push(f);
    }
    let reservation = match &p.reservation {
        Some(r) => {
            let v = *r.get_ref();
            if !v.is_finite() {
                return Err(loc.at(r.span(), format!("party {name:?}: reservation must be a finite number")));
            }
            v
        }
        None => f64::NEG_INFINITY,
    };
    let discount = match &p.discount {
        Some(d) => {
            let v = *d.get_ref();
            if !(v > 0.0 && v <= 1.0) {
                return Err(loc.at(d.span(), format!("party {name:?}: discount must be in (0, 1], not {v}")));
            }
            (v < 1.0).then_some(v)
        }
        None => None,
    };
    let bias = p.bias.as_ref().map_or(0.0, |b| *b.get_ref());
    let utility = LinearAdditive::new(space, weights, functions, bias, reservation, discount).map_err(|e| {
        let span = p.bias.as_ref().map_or(p.issues.span(), |b| b.span());
        loc.at(span, format!("party {name:?}: {e}"))
    })?;
    let strategy = match &p.negotiator {
        Some(n) => {
            Some(n.get_ref().resolve().map_err(|e| loc.at(n.span(), format!("party {name:?}: negotiator: {e}")))?)
        }
        None => None,
    };
    Ok(Party { name: name.to_string(), utility: utility.into(), strategy })
}

fn read_values(loc: &Locator, issue: &Issue, v: &Spanned<ValuesDecl>, party: &str) -> Result<Vec<f64>, FormatError> {
    let n = issue.cardinality() as usize;
    let table = match v.get_ref() {
        ValuesDecl::List(list) => {
            if list.len() != n {
                return Err(loc.at(
                    v.span(),
                    format!(
                        "party {party:?}: issue {:?} has {n} values but {} utilities are given",
                        issue.name,
                        list.len()
                    ),
                ));
            }
            list.clone()
        }
        ValuesDecl::Map(map) => {
            let mut table = vec![f64::NAN; n];
            for (label, &u) in map {
                let Some(j) = issue.index_of(&Value::Text(label.clone())) else {
                    return Err(
                        loc.at(v.span(), format!("party {party:?}: issue {:?} has no value {label:?}", issue.name))
                    );
                };
                table[j as usize] = u;
            }
            if let Some(j) = table.iter().position(|x| x.is_nan()) {
                let missing = issue.value(j as u32).map(|v| v.to_string()).unwrap_or_default();
                return Err(loc.at(
                    v.span(),
                    format!("party {party:?}: issue {:?}: value {missing:?} has no utility", issue.name),
                ));
            }
            table
        }
    };
    if let Some(x) = table.iter().find(|x| !x.is_finite()) {
        return Err(loc.at(
            v.span(),
            format!("party {party:?}: issue {:?}: utilities must be finite numbers, found {x}", issue.name),
        ));
    }
    Ok(table)
}

/// Writes a scenario in this format. Only linear additive preferences can be
/// written; others are refused with the party named.
pub fn write_scenario(s: &Scenario) -> Result<String, String> {
    use std::fmt::Write;
    let mut out = String::new();
    let q = |s: &str| toml::Value::String(s.to_string()).to_string();
    let num = |x: f64| toml::Value::Float(x).to_string();
    let _ = writeln!(out, "name = {}", q(&s.name));
    if let Some(d) = &s.description {
        let _ = writeln!(out, "description = {}", q(d));
    }
    let _ = writeln!(out, "\n[protocol]\nn_steps = {}", s.config.n_steps);
    if let Some(t) = s.config.time_limit {
        let _ = writeln!(out, "time_limit = {}", num(t));
    }
    let _ = writeln!(out, "seed = {}", s.seed.min(i64::MAX as u64));
    for issue in s.space.issues() {
        let _ = writeln!(out, "\n[[issues]]\nname = {}", q(&issue.name));
        match &issue.kind {
            IssueKind::Discrete { values } => {
                let vals: Vec<String> = values.iter().map(|v| q(v)).collect();
                let _ = writeln!(out, "values = [{}]", vals.join(", "));
            }
            IssueKind::Integer { min, max } => {
                let _ = writeln!(out, "type = \"integer\"\nmin = {min}\nmax = {max}");
            }
            IssueKind::Real { min, max, steps } => {
                let _ = writeln!(out, "type = \"real\"\nmin = {}\nmax = {}\nsteps = {steps}", num(*min), num(*max));
            }
        }
    }
    for p in &s.parties {
        let Some(u) = p.utility.as_additive() else {
            return Err(format!(
                "party {:?}: only linear additive preferences can be written as a scenario file",
                p.name
            ));
        };
        let _ = writeln!(out, "\n[[parties]]\nname = {}", q(&p.name));
        let r = p.utility.reservation();
        if r.is_finite() {
            let _ = writeln!(out, "reservation = {}", num(r));
        }
        if let Some(d) = p.utility.discount() {
            let _ = writeln!(out, "discount = {}", num(d));
        }
        if u.bias() != 0.0 {
            let _ = writeln!(out, "bias = {}", num(u.bias()));
        }
        if let Some(spec) = &p.strategy {
            let decl = NegotiatorDecl::from_spec(spec);
            let inline = toml::to_string(&decl).unwrap_or_default();
            let fields: Vec<&str> = inline.lines().filter(|l| !l.trim().is_empty()).collect();
            let _ = writeln!(out, "negotiator = {{ {} }}", fields.join(", "));
        }
        let _ = writeln!(out, "[parties.issues]");
        for (k, issue) in s.space.issues().iter().enumerate() {
            let w = u.weights()[k];
            let body = match &u.functions()[k] {
                ValueFunction::Table(t) => {
                    let vals: Vec<String> = t.iter().map(|x| num(*x)).collect();
                    format!("values = [{}]", vals.join(", "))
                }
                ValueFunction::Linear { slope, intercept } => {
                    format!("linear = {{ slope = {}, intercept = {} }}", num(*slope), num(*intercept))
                }
                ValueFunction::Triangular { start, peak, end } => {
                    format!("triangular = {{ start = {}, peak = {}, end = {} }}", num(*start), num(*peak), num(*end))
                }
            };
            let key = toml_key(&issue.name);
            let _ = writeln!(out, "{key} = {{ weight = {}, {body} }}", num(w));
        }
    }
    Ok(out)
}

fn toml_key(k: &str) -> String {
    if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        k.to_string()
    } else {
        toml::Value::String(k.to_string()).to_string()
    }
}
