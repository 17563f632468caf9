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
//! Other value functions (those of GENIUS and GeniusWeb files, see
//! [`ValueFunction`]): `triangular = { start, peak, end }`,
//! `clamped_linear = { slope, origin, offset }` (`clamp01(slope·(x − origin) + offset)`),
//! `constant = 0.5`, `genius_triangular = { low, high, top }`,
//! `interpolated = { low_value, low_utility, high_value, high_utility }`.
//!
//! Hyper-rectangle preferences (ANAC 2014, `U = min(1, f / max_utility)`) take
//! the place of `[parties.issues]`:
//!
//! ```toml
//! [parties.rectangles]
//! max_utility = 100.0
//! aggregation = "sum"        # sum (default), min or max
//! rectangles = [
//!   { utility = 40.0, includes = [["x", 0, 4], ["y", 5, 9]] },   # inside every range
//!   { utility = 20.0, excludes = [["z", 3, 6]], weight = 0.5 },  # outside some range
//! ]
//! functions = [ { aggregation = "max", weight = 0.5, rectangles = [{ utility = 8.0 }] } ]
//! ```
//!
//! Every error names the file and the line and column of the offending item.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use entente_core::{
    Aggregation, Bound, HyperRectangles, Issue, IssueKind, LinearAdditive, OutcomeSpace, Preferences, Rectangle,
    RectangleFunction, RectangleKind, UtilityFunction, Value, ValueFunction,
};
use entente_model::SaoConfig;
use entente_model::strategy::{StrategyOptions, StrategySpec, TimeBasedName};
use entente_model::{Party, Scenario};
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
    /// A round of mediated talks (read by `talks_toml`; the negotiation itself ignores it).
    #[allow(dead_code)]
    talks: Option<toml::Value>,
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
pub(crate) struct PartyDecl {
    pub(crate) name: Spanned<String>,
    pub(crate) reservation: Option<Spanned<f64>>,
    pub(crate) discount: Option<Spanned<f64>>,
    pub(crate) bias: Option<Spanned<f64>>,
    pub(crate) negotiator: Option<Spanned<NegotiatorDecl>>,
    pub(crate) issues: Option<Spanned<BTreeMap<String, Spanned<IssueUtilityDecl>>>>,
    pub(crate) rectangles: Option<Spanned<RectanglesDecl>>,
    /// A divided delegation: its rule, blocs and changes of instructions.
    pub(crate) delegation: Option<Spanned<crate::delegation_toml::DelegationDecl>>,
    pub(crate) blocs: Option<Spanned<Vec<Spanned<crate::delegation_toml::BlocDecl>>>>,
    pub(crate) changes: Option<Spanned<Vec<Spanned<crate::delegation_toml::ChangeDecl>>>>,
}

/// Hyper-rectangle preferences (ANAC 2014): `U = min(1, f / max_utility)`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RectanglesDecl {
    max_utility: f64,
    aggregation: Option<String>,
    weight: Option<f64>,
    #[serde(default)]
    rectangles: Vec<RectangleDecl>,
    #[serde(default)]
    functions: Vec<FunctionDecl>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FunctionDecl {
    aggregation: Option<String>,
    weight: Option<f64>,
    #[serde(default)]
    rectangles: Vec<RectangleDecl>,
    #[serde(default)]
    functions: Vec<FunctionDecl>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RectangleDecl {
    utility: f64,
    weight: Option<f64>,
    includes: Option<Vec<(String, i64, i64)>>,
    excludes: Option<Vec<(String, i64, i64)>>,
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
    /// Random strategy only: accept offers below the reservation value when the draw says accept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accept_below_reservation: Option<bool>,
}

impl NegotiatorDecl {
    /// Resolves the declaration to a checked strategy.
    pub fn resolve(&self) -> Result<StrategySpec, entente_model::strategy::StrategyError> {
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
        let mut spec = StrategySpec::from_name(&self.strategy, &o)?;
        if let Some(below) = self.accept_below_reservation {
            match &mut spec {
                StrategySpec::Random(p) => p.accept_below_reservation = below,
                _ => {
                    return Err(entente_model::strategy::StrategyError::Parameter {
                        field: "accept_below_reservation",
                        reason: format!(
                            "strategy {:?} takes no such parameter (only `random` may accept below its reservation value)",
                            self.strategy
                        ),
                    });
                }
            }
        }
        Ok(spec)
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
                accept_below_reservation: p.accept_below_reservation.then_some(true),
                ..Default::default()
            },
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct IssueUtilityDecl {
    weight: Spanned<f64>,
    values: Option<Spanned<ValuesDecl>>,
    linear: Option<Spanned<LinearDecl>>,
    triangular: Option<Spanned<TriangularDecl>>,
    clamped_linear: Option<Spanned<ClampedLinearDecl>>,
    constant: Option<Spanned<f64>>,
    genius_triangular: Option<Spanned<GeniusTriangularDecl>>,
    interpolated: Option<Spanned<InterpolatedDecl>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClampedLinearDecl {
    slope: f64,
    origin: f64,
    offset: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GeniusTriangularDecl {
    low: f64,
    high: f64,
    top: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InterpolatedDecl {
    low_value: f64,
    low_utility: f64,
    high_value: f64,
    high_utility: f64,
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
pub(crate) struct Locator<'a> {
    pub(crate) file: &'a Path,
    pub(crate) text: &'a str,
}

impl Locator<'_> {
    pub(crate) fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before.rfind('\n').map_or(offset, |i| offset - i - 1) + 1;
        (line, column)
    }

    pub(crate) fn at(&self, span: Range<usize>, message: impl Into<String>) -> FormatError {
        let (line, column) = self.position(span.start);
        FormatError::Syntax { file: self.file.to_path_buf(), line, column, message: message.into() }
    }
}

/// Reads a scenario file.
#[allow(clippy::disallowed_methods)] // reads or writes files: the job of this crate
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
    let strategy = match &p.negotiator {
        Some(n) => {
            Some(n.get_ref().resolve().map_err(|e| loc.at(n.span(), format!("party {name:?}: negotiator: {e}")))?)
        }
        None => None,
    };
    if p.delegation.is_some() || p.blocs.is_some() || p.changes.is_some() {
        let (utility, delegation) = crate::delegation_toml::read_delegation(loc, space, p, name)?;
        return Ok(Party { name: name.to_string(), utility, strategy, delegation: Some(delegation) });
    }
    let utility = read_preferences(
        loc,
        space,
        &UtilityDecls { issues: &p.issues, rectangles: &p.rectangles, bias: &p.bias },
        &p.reservation,
        &p.discount,
        p.name.span(),
        &format!("party {name:?}"),
    )?;
    Ok(Party { name: name.to_string(), utility, strategy, delegation: None })
}

/// The utility declarations of a party or a bloc.
pub(crate) struct UtilityDecls<'a> {
    pub issues: &'a Option<Spanned<BTreeMap<String, Spanned<IssueUtilityDecl>>>>,
    pub rectangles: &'a Option<Spanned<RectanglesDecl>>,
    pub bias: &'a Option<Spanned<f64>>,
}

/// Reads preferences (linear additive or hyper-rectangles); `who` names the
/// party or bloc in errors.
pub(crate) fn read_preferences(
    loc: &Locator,
    space: &OutcomeSpace,
    u: &UtilityDecls,
    reservation: &Option<Spanned<f64>>,
    discount: &Option<Spanned<f64>>,
    name_span: Range<usize>,
    who: &str,
) -> Result<Preferences, FormatError> {
    let reservation = match reservation {
        Some(r) => {
            let v = *r.get_ref();
            if !v.is_finite() {
                return Err(loc.at(r.span(), format!("{who}: reservation must be a finite number")));
            }
            v
        }
        None => f64::NEG_INFINITY,
    };
    let discount = match discount {
        Some(d) => {
            let v = *d.get_ref();
            if !(v > 0.0 && v <= 1.0) {
                return Err(loc.at(d.span(), format!("{who}: discount must be in (0, 1], not {v}")));
            }
            (v < 1.0).then_some(v)
        }
        None => None,
    };
    Ok(match (u.issues, u.rectangles) {
        (Some(issues), None) => read_additive(loc, space, u.bias, issues, who, reservation, discount)?.into(),
        (None, Some(r)) => {
            if let Some(b) = u.bias {
                return Err(loc.at(b.span(), format!("{who}: `bias` does not apply to hyper-rectangles")));
            }
            read_rectangles(loc, space, r, who, reservation, discount)?.into()
        }
        (Some(i), Some(_)) => {
            return Err(loc.at(i.span(), format!("{who}: give either `issues` or `rectangles`, not both")));
        }
        (None, None) => {
            return Err(loc.at(
                name_span,
                format!(
                    "{who}: give its utilities in `[parties.issues]` (or `[parties.rectangles]` for hyper-rectangles)"
                ),
            ));
        }
    })
}

fn read_additive(
    loc: &Locator,
    space: &OutcomeSpace,
    bias: &Option<Spanned<f64>>,
    decls: &Spanned<BTreeMap<String, Spanned<IssueUtilityDecl>>>,
    who: &str,
    reservation: f64,
    discount: Option<f64>,
) -> Result<LinearAdditive, FormatError> {
    let issues = decls.get_ref();
    for (issue_name, decl) in issues {
        if space.issue_position(issue_name).is_none() {
            return Err(loc.at(decl.span(), format!("{who}: there is no issue {issue_name:?}")));
        }
    }
    let mut weights = Vec::new();
    let mut functions = Vec::new();
    for issue in space.issues() {
        let Some(decl) = issues.get(&issue.name) else {
            return Err(loc.at(
                decls.span(),
                format!(
                    "{who}: issue {:?} has no utility (write `{} = {{ weight = 0.0, values = [...] }}` to ignore it)",
                    issue.name, issue.name
                ),
            ));
        };
        let u = decl.get_ref();
        let w = *u.weight.get_ref();
        if !w.is_finite() {
            return Err(loc.at(u.weight.span(), format!("{who}: weight of {:?} must be a finite number", issue.name)));
        }
        weights.push(w);
        let numeric_only = |span: Range<usize>, key: &str| -> Result<(), FormatError> {
            if matches!(issue.kind, IssueKind::Discrete { .. }) {
                Err(loc
                    .at(span, format!("{who}: `{key}` needs an integer or real issue; {:?} is discrete", issue.name)))
            } else {
                Ok(())
            }
        };
        let mut given: Vec<ValueFunction> = Vec::new();
        if let Some(v) = &u.values {
            given.push(ValueFunction::Table(read_values(loc, issue, v, who)?));
        }
        if let Some(l) = &u.linear {
            numeric_only(l.span(), "linear")?;
            let l = l.get_ref();
            given.push(ValueFunction::Linear { slope: l.slope, intercept: l.intercept });
        }
        if let Some(t) = &u.triangular {
            numeric_only(t.span(), "triangular")?;
            let t = t.get_ref();
            given.push(ValueFunction::Triangular { start: t.start, peak: t.peak, end: t.end });
        }
        if let Some(c) = &u.clamped_linear {
            numeric_only(c.span(), "clamped_linear")?;
            let c = c.get_ref();
            given.push(ValueFunction::ClampedLinear { slope: c.slope, origin: c.origin, offset: c.offset });
        }
        if let Some(c) = &u.constant {
            given.push(ValueFunction::Constant { value: *c.get_ref() });
        }
        if let Some(t) = &u.genius_triangular {
            numeric_only(t.span(), "genius_triangular")?;
            let t = t.get_ref();
            given.push(ValueFunction::GeniusTriangular { low: t.low, high: t.high, top: t.top });
        }
        if let Some(i) = &u.interpolated {
            numeric_only(i.span(), "interpolated")?;
            let i = i.get_ref();
            given.push(ValueFunction::Interpolated {
                low_value: i.low_value,
                low_utility: i.low_utility,
                high_value: i.high_value,
                high_utility: i.high_utility,
            });
        }
        let (Some(f), 1) = (given.pop(), given.len() + 1) else {
            return Err(loc.at(
                decl.span(),
                format!(
                    "{who}: issue {:?} needs exactly one of `values`, `linear`, `triangular`, \
                     `clamped_linear`, `constant`, `genius_triangular`, `interpolated`",
                    issue.name
                ),
            ));
        };
        functions.push(f);
    }
    let bias_value = bias.as_ref().map_or(0.0, |b| *b.get_ref());
    LinearAdditive::new(space, weights, functions, bias_value, reservation, discount).map_err(|e| {
        let span = match &e {
            entente_core::ModelError::Issue { issue, .. } => issues.get(issue).map(|d| d.span()),
            _ => None,
        };
        let span = span.or_else(|| bias.as_ref().map(|b| b.span())).unwrap_or(decls.span());
        loc.at(span, format!("{who}: {e}"))
    })
}

fn read_rectangles(
    loc: &Locator,
    space: &OutcomeSpace,
    decl: &Spanned<RectanglesDecl>,
    who: &str,
    reservation: f64,
    discount: Option<f64>,
) -> Result<HyperRectangles, FormatError> {
    let at = |message: String| loc.at(decl.span(), format!("{who}: rectangles: {message}"));
    fn function(
        space: &OutcomeSpace,
        aggregation: &Option<String>,
        weight: Option<f64>,
        rects: &[RectangleDecl],
        funcs: &[FunctionDecl],
        depth: usize,
    ) -> Result<RectangleFunction, RectanglesError> {
        if depth > 64 {
            return Err(RectanglesError::TooDeep);
        }
        let aggregation = match aggregation {
            None => Aggregation::Sum,
            Some(a) => Aggregation::from_name(a).ok_or_else(|| RectanglesError::Aggregation { name: a.clone() })?,
        };
        let mut rectangles = Vec::with_capacity(rects.len());
        for r in rects {
            let (kind, bounds) = match (&r.includes, &r.excludes) {
                (Some(b), None) => (RectangleKind::Inclusive, b.as_slice()),
                (None, Some(b)) => (RectangleKind::Exclusive, b.as_slice()),
                (None, None) => (RectangleKind::Inclusive, &[][..]),
                (Some(_), Some(_)) => return Err(RectanglesError::IncludesAndExcludes),
            };
            let bounds = bounds
                .iter()
                .map(|(issue, min, max)| {
                    let k =
                        space.issue_position(issue).ok_or_else(|| RectanglesError::NoIssue { issue: issue.clone() })?;
                    Ok(Bound { issue: k, min: *min, max: *max })
                })
                .collect::<Result<Vec<_>, RectanglesError>>()?;
            rectangles.push(Rectangle { kind, bounds, utility: r.utility, weight: r.weight.unwrap_or(1.0) });
        }
        let functions = funcs
            .iter()
            .map(|g| function(space, &g.aggregation, g.weight, &g.rectangles, &g.functions, depth + 1))
            .collect::<Result<Vec<_>, RectanglesError>>()?;
        Ok(RectangleFunction { aggregation, weight: weight.unwrap_or(1.0), rectangles, functions })
    }
    let d = decl.get_ref();
    let root =
        function(space, &d.aggregation, d.weight, &d.rectangles, &d.functions, 0).map_err(|e| at(e.to_string()))?;
    HyperRectangles::new(space, d.max_utility, root, reservation, discount).map_err(|e| at(e.to_string()))
}

fn read_values(loc: &Locator, issue: &Issue, v: &Spanned<ValuesDecl>, who: &str) -> Result<Vec<f64>, FormatError> {
    let n = issue.cardinality() as usize;
    let table = match v.get_ref() {
        ValuesDecl::List(list) => {
            if list.len() != n {
                return Err(loc.at(
                    v.span(),
                    format!("{who}: issue {:?} has {n} values but {} utilities are given", issue.name, list.len()),
                ));
            }
            list.clone()
        }
        ValuesDecl::Map(map) => {
            let mut table = vec![f64::NAN; n];
            for (label, &u) in map {
                let Some(j) = issue.index_of(&Value::Text(label.clone())) else {
                    return Err(loc.at(v.span(), format!("{who}: issue {:?} has no value {label:?}", issue.name)));
                };
                table[j as usize] = u;
            }
            if let Some(j) = table.iter().position(|x| x.is_nan()) {
                let missing = issue.value(j as u32).map(|v| v.to_string()).unwrap_or_default();
                return Err(
                    loc.at(v.span(), format!("{who}: issue {:?}: value {missing:?} has no utility", issue.name))
                );
            }
            table
        }
    };
    if let Some(x) = table.iter().find(|x| !x.is_finite()) {
        return Err(
            loc.at(v.span(), format!("{who}: issue {:?}: utilities must be finite numbers, found {x}", issue.name))
        );
    }
    Ok(table)
}

/// A `[parties.rectangles]` table that does not hold together (reported as a
/// [`FormatError::Syntax`] at the table, with the party named).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
enum RectanglesError {
    #[error("functions nest more than 64 deep")]
    TooDeep,
    #[error("unknown aggregation {name:?}; expected sum, min or max")]
    Aggregation { name: String },
    #[error("a rectangle has either `includes` or `excludes`, not both")]
    IncludesAndExcludes,
    #[error("there is no issue {issue:?}")]
    NoIssue { issue: String },
}

/// Why a scenario cannot be written in entente's format (the writer returns
/// text; no file is involved yet).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum WriteError {
    #[error(
        "party {party:?}: these preferences have no file form (only linear additive and hyper-rectangle \
         preferences can be written as a scenario file)"
    )]
    NoFileForm { party: String },
    #[error("party {party:?}: {error}")]
    Delegation { party: String, error: crate::delegation_toml::DelegationWriteError },
}

/// Writes a scenario in this format. Linear additive and hyper-rectangle
/// preferences can be written; others are refused with the party named.
pub fn write_scenario(s: &Scenario) -> Result<String, WriteError> {
    use std::fmt::Write;
    let mut out = String::new();
    let q = |s: &str| toml::Value::String(s.to_string()).to_string();
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
        if let Some(d) = &p.delegation {
            let _ = writeln!(out, "\n[[parties]]\nname = {}", q(&p.name));
            if let Some(spec) = &p.strategy {
                write_negotiator(&mut out, spec);
            }
            crate::delegation_toml::write_delegation(&mut out, s, d)
                .map_err(|error| WriteError::Delegation { party: p.name.clone(), error })?;
            continue;
        }
        if matches!(p.utility, Preferences::Other(_)) {
            return Err(WriteError::NoFileForm { party: p.name.clone() });
        }
        let _ = writeln!(out, "\n[[parties]]\nname = {}", q(&p.name));
        let r = p.utility.reservation();
        if r.is_finite() {
            let _ = writeln!(out, "reservation = {}", num(r));
        }
        if let Some(d) = p.utility.discount() {
            let _ = writeln!(out, "discount = {}", num(d));
        }
        if let Some(u) = p.utility.as_additive()
            && u.bias() != 0.0
        {
            let _ = writeln!(out, "bias = {}", num(u.bias()));
        }
        if let Some(spec) = &p.strategy {
            write_negotiator(&mut out, spec);
        }
        if let Some(h) = p.utility.as_rectangles() {
            write_rectangles(&mut out, s, h);
            continue;
        }
        let Some(u) = p.utility.as_additive() else { continue };
        write_additive_issues(&mut out, s, u, "[parties.issues]");
    }
    Ok(out)
}

fn write_negotiator(out: &mut String, spec: &StrategySpec) {
    use std::fmt::Write;
    let decl = NegotiatorDecl::from_spec(spec);
    let inline = toml::to_string(&decl).unwrap_or_default();
    let fields: Vec<&str> = inline.lines().filter(|l| !l.trim().is_empty()).collect();
    let _ = writeln!(out, "negotiator = {{ {} }}", fields.join(", "));
}

/// Writes the per-issue utilities of `u` under the table `header`.
pub(crate) fn write_additive_issues(out: &mut String, s: &Scenario, u: &LinearAdditive, header: &str) {
    use std::fmt::Write;
    {
        let _ = writeln!(out, "{header}");
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
                ValueFunction::ClampedLinear { slope, origin, offset } => format!(
                    "clamped_linear = {{ slope = {}, origin = {}, offset = {} }}",
                    num(*slope),
                    num(*origin),
                    num(*offset)
                ),
                ValueFunction::Constant { value } => format!("constant = {}", num(*value)),
                ValueFunction::GeniusTriangular { low, high, top } => {
                    format!("genius_triangular = {{ low = {}, high = {}, top = {} }}", num(*low), num(*high), num(*top))
                }
                ValueFunction::Interpolated { low_value, low_utility, high_value, high_utility } => format!(
                    "interpolated = {{ low_value = {}, low_utility = {}, high_value = {}, high_utility = {} }}",
                    num(*low_value),
                    num(*low_utility),
                    num(*high_value),
                    num(*high_utility)
                ),
            };
            let key = toml_key(&issue.name);
            let _ = writeln!(out, "{key} = {{ weight = {}, {body} }}", num(w));
        }
    }
}

pub(crate) fn num(x: f64) -> String {
    toml::Value::Float(x).to_string()
}

/// `[parties.rectangles]`: the root function's fields, then its rectangles and
/// nested functions as inline tables.
fn write_rectangles(out: &mut String, s: &Scenario, h: &HyperRectangles) {
    use std::fmt::Write;
    fn rectangles(s: &Scenario, f: &RectangleFunction) -> String {
        let items: Vec<String> = f
            .rectangles
            .iter()
            .map(|r| {
                let bounds: Vec<String> = r
                    .bounds
                    .iter()
                    .map(|b| {
                        let name = s.space.issues().get(b.issue).map_or("", |i| i.name.as_str());
                        format!("[{}, {}, {}]", toml::Value::String(name.to_string()), b.min, b.max)
                    })
                    .collect();
                let mut t = format!("{{ utility = {}", num(r.utility));
                if r.weight.to_bits() != 1.0f64.to_bits() {
                    let _ = write!(t, ", weight = {}", num(r.weight));
                }
                if !r.bounds.is_empty() {
                    let key = if r.kind == RectangleKind::Inclusive { "includes" } else { "excludes" };
                    let _ = write!(t, ", {key} = [{}]", bounds.join(", "));
                }
                t.push_str(" }");
                t
            })
            .collect();
        items.join(",\n  ")
    }
    fn function(s: &Scenario, f: &RectangleFunction) -> String {
        let mut t = format!("{{ aggregation = \"{}\", weight = {}", f.aggregation.name(), num(f.weight));
        if !f.rectangles.is_empty() {
            let _ = write!(t, ", rectangles = [{}]", rectangles(s, f).replace(",\n  ", ", "));
        }
        if !f.functions.is_empty() {
            let inner: Vec<String> = f.functions.iter().map(|g| function(s, g)).collect();
            let _ = write!(t, ", functions = [{}]", inner.join(", "));
        }
        t.push_str(" }");
        t
    }
    let root = h.root();
    let _ = writeln!(out, "[parties.rectangles]   # utility = min(1, f / max_utility)");
    let _ = writeln!(out, "max_utility = {}", num(h.max_utility()));
    let _ = writeln!(out, "aggregation = \"{}\"", root.aggregation.name());
    let _ = writeln!(out, "weight = {}", num(root.weight));
    if !root.rectangles.is_empty() {
        let _ = writeln!(out, "rectangles = [\n  {},\n]", rectangles(s, root));
    }
    if !root.functions.is_empty() {
        let inner: Vec<String> = root.functions.iter().map(|g| function(s, g)).collect();
        let _ = writeln!(out, "functions = [\n  {},\n]", inner.join(",\n  "));
    }
}

pub(crate) fn toml_key(k: &str) -> String {
    if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        k.to_string()
    } else {
        toml::Value::String(k.to_string()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: &str = r#"
name = "every value function"
[[issues]]
name = "d"
values = ["a", "b"]
[[issues]]
name = "i"
min = -3
max = 3
[[issues]]
name = "r"
min = 0.0
max = 2.0
steps = 5
[[parties]]
name = "p"
reservation = 0.2
[parties.issues]
d = { weight = 0.25, constant = 0.5 }
i = { weight = 0.25, clamped_linear = { slope = 0.3, origin = -3.0, offset = -0.1 } }
r = { weight = 0.5, genius_triangular = { low = 0.0, high = 2.0, top = 0.5 } }
[[parties]]
name = "q"
discount = 0.5
[parties.issues]
d = { weight = 0.5, values = [0.1, 0.9] }
i = { weight = 0.25, interpolated = { low_value = -1.0, low_utility = 0.0, high_value = 3.0, high_utility = 1.0 } }
r = { weight = 0.25, triangular = { start = 0.0, peak = 1.0, end = 2.0 } }
[[parties]]
name = "h"
[parties.rectangles]
max_utility = 10.0
aggregation = "sum"
rectangles = [
  { utility = 4.0, includes = [["i", -3, 0]] },
  { utility = 6.0, weight = 0.5, excludes = [["i", 1, 2]] },
  { utility = 1.0 },
]
functions = [ { aggregation = "max", weight = 2.0, rectangles = [{ utility = 3.0, includes = [["i", 3, 3]] }] } ]
"#;

    fn parse(text: &str) -> Result<Scenario, FormatError> {
        parse_scenario(text, Path::new("all.toml"))
    }

    #[test]
    fn every_value_function_and_rectangles_round_trip() {
        let s = parse(ALL).unwrap();
        let h = s.parties[2].utility.as_rectangles().unwrap();
        // i = 3 (index 6): outside [-3, 0], outside [1, 2] (so 6 · 0.5), 1, and 2 · max(3)
        assert_eq!(h.raw_value(&[0, 6, 0]), ((0.0 + 0.0) + 3.0 + 1.0) + 2.0 * 3.0);
        assert_eq!(s.parties[2].utility.utility(&[0, 6, 0]), 1.0);
        let text = write_scenario(&s).unwrap();
        let back = parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(s.space, back.space);
        for (p, q) in s.parties.iter().zip(&back.parties) {
            assert_eq!(p.utility.reservation(), q.utility.reservation());
            assert_eq!(p.utility.discount(), q.utility.discount());
            assert_eq!(p.utility.as_additive(), q.utility.as_additive());
            assert_eq!(p.utility.as_rectangles(), q.utility.as_rectangles());
            s.space.for_each_outcome(|v| {
                assert_eq!(p.utility.utility(v).to_bits(), q.utility.utility(v).to_bits());
                true
            });
        }
    }

    #[test]
    fn bad_rectangles_are_located() {
        let err = |text: String, needle: &str| match parse(&text) {
            Err(FormatError::Syntax { message, .. }) => assert!(message.contains(needle), "{message}"),
            other => panic!("{other:?}"),
        };
        err(ALL.replace("[\"i\", 3, 3]", "[\"x\", 3, 3]"), "there is no issue \"x\"");
        err(ALL.replace("\"max\", weight", "\"median\", weight"), "unknown aggregation \"median\"");
        err(ALL.replace("max_utility = 10.0", "max_utility = 0.0"), "maxutility must be a positive number");
        err(ALL.replace("[\"i\", -3, 0]", "[\"d\", 0, 0]"), "integer issues only");
        err(ALL.replace("{ utility = 1.0 }", "{ utility = 1.0, includes = [], excludes = [] }"), "not both");
        err(ALL.replace("[parties.rectangles]", "bias = 0.1\n[parties.rectangles]"), "`bias` does not apply");
        err(ALL.replace("constant = 0.5", "constant = 0.5, values = [0.0, 1.0]"), "exactly one of");
        err(ALL.replace("low_value = -1.0", "low_value = 3.0"), "low_value < high_value");
    }
}
