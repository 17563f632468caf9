//! Divided delegations in the scenario format.
//!
//! ```toml
//! [[parties]]
//! name = "delegation"
//! negotiator = { strategy = "boulware" }
//! # No [parties.issues]: a delegation's own utility is its mandate, the
//! # weighted sum of its blocs' utilities.
//! [parties.delegation]
//! rule = "unanimity"        # unanimity (of veto blocs) | quota | dominant | weighted-sum
//! # quota = 0.6             # rule = "quota": weights of the accepting blocs needed
//! # dominant = "kandahar"   # rule = "dominant"
//! defection = false         # may it accept outside its win-set? (ratification then fails)
//!
//! [[parties.blocs]]
//! name = "kandahar"
//! weight = 0.5
//! veto = true
//! reversion = 0.4           # utility of no agreement to the bloc; or
//! # reversion_outcome = { guarantor = "none", deadline_days = 90 }
//! red_lines = [{ issue = "guarantor", value = "united_states" }]   # or { outcome = { ... } }
//! uncertainty = { values = 0.05, reversion = 0.05 }   # optional, for Monte Carlo estimates
//! [parties.blocs.issues]
//! guarantor = { weight = 0.5, values = { none = 1.0, united_states = 0.0 } }
//!
//! [[parties.changes]]       # a change of instructions during the talks
//! at = 0.5                  # relative time
//! bloc = "kabul"
//! weight = 0.7              # any of: weight, veto, reversion, red_lines; or quota (without bloc)
//! ```

use std::collections::BTreeMap;

use entente_core::blocs::{Bloc, BlocSpec, Change, Delegation, RedLine, Reversion, Rule, Uncertainty};
use entente_core::{OutcomeSpace, Preferences, UtilityFunction, Value};
use serde::Deserialize;
use toml::Spanned;

use crate::error::FormatError;
use crate::scenario::{IssueUtilityDecl, Locator, PartyDecl, RectanglesDecl, UtilityDecls, read_preferences};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DelegationDecl {
    rule: Spanned<String>,
    quota: Option<Spanned<f64>>,
    dominant: Option<Spanned<String>>,
    #[serde(default)]
    defection: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BlocDecl {
    name: Spanned<String>,
    weight: Option<Spanned<f64>>,
    #[serde(default)]
    veto: Option<bool>,
    reversion: Option<Spanned<f64>>,
    reversion_outcome: Option<Spanned<BTreeMap<String, toml::Value>>>,
    red_lines: Option<Spanned<Vec<Spanned<RedLineDecl>>>>,
    uncertainty: Option<Spanned<UncertaintyDecl>>,
    bias: Option<Spanned<f64>>,
    issues: Option<Spanned<BTreeMap<String, Spanned<IssueUtilityDecl>>>>,
    rectangles: Option<Spanned<RectanglesDecl>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RedLineDecl {
    issue: Option<String>,
    value: Option<toml::Value>,
    outcome: Option<BTreeMap<String, toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UncertaintyDecl {
    #[serde(default)]
    values: f64,
    #[serde(default)]
    reversion: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChangeDecl {
    at: Spanned<f64>,
    bloc: Option<Spanned<String>>,
    weight: Option<Spanned<f64>>,
    veto: Option<bool>,
    reversion: Option<Spanned<f64>>,
    reversion_outcome: Option<Spanned<BTreeMap<String, toml::Value>>>,
    red_lines: Option<Spanned<Vec<Spanned<RedLineDecl>>>>,
    quota: Option<Spanned<f64>>,
}

fn toml_value(v: &toml::Value) -> Value {
    match v {
        toml::Value::Integer(i) => Value::Int(*i),
        toml::Value::Float(x) => Value::Real(*x),
        toml::Value::String(s) => Value::Text(s.clone()),
        other => Value::Text(other.to_string()),
    }
}

/// An outcome written as `{ issue = value, ... }` (every issue named).
fn read_outcome(
    loc: &Locator,
    space: &OutcomeSpace,
    map: &BTreeMap<String, toml::Value>,
    span: std::ops::Range<usize>,
    who: &str,
) -> Result<u32, FormatError> {
    for k in map.keys() {
        if space.issue_position(k).is_none() {
            return Err(loc.at(span, format!("{who}: there is no issue {k:?}")));
        }
    }
    let mut values = Vec::with_capacity(space.issues().len());
    for issue in space.issues() {
        let Some(v) = map.get(&issue.name) else {
            return Err(
                loc.at(span, format!("{who}: an outcome needs a value for every issue; {:?} is missing", issue.name))
            );
        };
        values.push(toml_value(v));
    }
    let index = space.index_of_labels(&values).map_err(|e| loc.at(span.clone(), format!("{who}: {e}")))?;
    u32::try_from(index).map_err(|_| loc.at(span, format!("{who}: outcomes of delegations need an enumerable space")))
}

fn read_red_lines(
    loc: &Locator,
    space: &OutcomeSpace,
    decls: &Spanned<Vec<Spanned<RedLineDecl>>>,
    who: &str,
) -> Result<Vec<RedLine>, FormatError> {
    let mut out = Vec::new();
    for d in decls.get_ref() {
        let r = d.get_ref();
        match (&r.issue, &r.value, &r.outcome) {
            (Some(issue), Some(value), None) => {
                let Some(k) = space.issue_position(issue) else {
                    return Err(loc.at(d.span(), format!("{who}: red line: there is no issue {issue:?}")));
                };
                let v = toml_value(value);
                let Some(j) = space.issues()[k].index_of(&v) else {
                    return Err(loc.at(d.span(), format!("{who}: red line: issue {issue:?} has no value {v}")));
                };
                out.push(RedLine::Value { issue: k, value: j });
            }
            (None, None, Some(outcome)) => {
                out.push(RedLine::Outcome(read_outcome(loc, space, outcome, d.span(), &format!("{who}: red line"))?));
            }
            _ => {
                return Err(loc.at(
                    d.span(),
                    format!("{who}: a red line is {{ issue = \"...\", value = ... }} or {{ outcome = {{ ... }} }}"),
                ));
            }
        }
    }
    Ok(out)
}

fn read_reversion(
    loc: &Locator,
    space: &OutcomeSpace,
    utility: Option<&Spanned<f64>>,
    outcome: Option<&Spanned<BTreeMap<String, toml::Value>>>,
    span: std::ops::Range<usize>,
    who: &str,
) -> Result<Option<Reversion>, FormatError> {
    match (utility, outcome) {
        (Some(u), None) => {
            let v = *u.get_ref();
            if !v.is_finite() {
                return Err(loc.at(u.span(), format!("{who}: reversion must be a finite number")));
            }
            Ok(Some(Reversion::Utility(v)))
        }
        (None, Some(o)) => Ok(Some(Reversion::Outcome(read_outcome(loc, space, o.get_ref(), o.span(), who)?))),
        (Some(_), Some(o)) => {
            Err(loc.at(o.span(), format!("{who}: give `reversion` or `reversion_outcome`, not both")))
        }
        (None, None) => {
            let _ = span;
            Ok(None)
        }
    }
}

fn weight(loc: &Locator, w: &Spanned<f64>, who: &str) -> Result<f64, FormatError> {
    let v = *w.get_ref();
    if !(v.is_finite() && v >= 0.0) {
        return Err(loc.at(w.span(), format!("{who}: weight must be a number >= 0, not {v}")));
    }
    Ok(v)
}

/// Reads a party's delegation: returns its starting mandate and the delegation.
pub(crate) fn read_delegation(
    loc: &Locator,
    space: &OutcomeSpace,
    p: &PartyDecl,
    name: &str,
) -> Result<(Preferences, Delegation), FormatError> {
    let party = format!("party {name:?}");
    if let Some(i) = &p.issues {
        return Err(loc.at(
            i.span(),
            format!("{party}: a delegation's utility is its mandate (the weighted sum of its blocs); declare utilities per bloc, not in [parties.issues]"),
        ));
    }
    for (given, span, what) in [
        (p.rectangles.as_ref().map(|r| r.span()), "rectangles"),
        (p.reservation.as_ref().map(|r| r.span()), "reservation"),
        (p.bias.as_ref().map(|r| r.span()), "bias"),
    ]
    .map(|(s, w)| (s.is_some(), s, w))
    {
        if given {
            return Err(loc.at(
                span.unwrap_or(p.name.span()),
                format!("{party}: a delegation takes no `{what}` of its own (its blocs give it its mandate)"),
            ));
        }
    }
    let Some(d) = &p.delegation else {
        return Err(loc.at(p.name.span(), format!("{party}: blocs need a [parties.delegation] table with its rule")));
    };
    let Some(bloc_decls) = &p.blocs else {
        return Err(loc.at(d.span(), format!("{party}: a delegation needs its blocs ([[parties.blocs]])")));
    };
    if bloc_decls.get_ref().is_empty() {
        return Err(loc.at(bloc_decls.span(), format!("{party}: a delegation needs at least one bloc")));
    }
    let mut blocs = Vec::new();
    for b in bloc_decls.get_ref() {
        let bd = b.get_ref();
        let bname = bd.name.get_ref().trim().to_string();
        if bname.is_empty() {
            return Err(loc.at(bd.name.span(), format!("{party}: a bloc needs a non-empty name")));
        }
        if blocs.iter().any(|x: &BlocSpec| x.bloc.name == bname) {
            return Err(loc.at(bd.name.span(), format!("{party}: two blocs are named {bname:?}")));
        }
        let who = format!("{party}, bloc {bname:?}");
        let w = match &bd.weight {
            Some(w) => weight(loc, w, &who)?,
            None => 1.0,
        };
        let reversion =
            read_reversion(loc, space, bd.reversion.as_ref(), bd.reversion_outcome.as_ref(), b.span(), &who)?
                .ok_or_else(|| {
                    loc.at(
                        b.span(),
                        format!("{who}: give its `reversion` (utility of no agreement) or `reversion_outcome`"),
                    )
                })?;
        let red_lines = match &bd.red_lines {
            Some(r) => read_red_lines(loc, space, r, &who)?,
            None => Vec::new(),
        };
        let uncertainty = match &bd.uncertainty {
            Some(u) => {
                let ud = u.get_ref();
                if !(ud.values.is_finite() && ud.values >= 0.0 && ud.reversion.is_finite() && ud.reversion >= 0.0) {
                    return Err(loc.at(u.span(), format!("{who}: uncertainty spreads must be numbers >= 0")));
                }
                Some(Uncertainty { values: ud.values, reversion: ud.reversion })
            }
            None => None,
        };
        let utility = read_preferences(
            loc,
            space,
            &UtilityDecls { issues: &bd.issues, rectangles: &bd.rectangles, bias: &bd.bias },
            &None,
            &None,
            bd.name.span(),
            &who,
        )?;
        blocs.push(BlocSpec {
            bloc: Bloc { name: bname, weight: w, veto: bd.veto.unwrap_or(false), reversion, red_lines },
            utility,
            uncertainty,
        });
    }
    let find_bloc = |n: &Spanned<String>| -> Result<usize, FormatError> {
        blocs.iter().position(|b| b.bloc.name == n.get_ref().trim()).ok_or_else(|| {
            let names: Vec<&str> = blocs.iter().map(|b| b.bloc.name.as_str()).collect();
            loc.at(n.span(), format!("{party}: there is no bloc {:?}; the blocs are {}", n.get_ref(), names.join(", ")))
        })
    };
    let dd = d.get_ref();
    let total: f64 = blocs.iter().map(|b| b.bloc.weight).sum();
    let rule = match dd.rule.get_ref().trim().to_ascii_lowercase().replace('_', "-").as_str() {
        "unanimity" => Rule::Unanimity,
        "quota" => {
            let Some(q) = &dd.quota else {
                return Err(loc.at(dd.rule.span(), format!("{party}: rule \"quota\" needs `quota`")));
            };
            let v = *q.get_ref();
            if !(v.is_finite() && v > 0.0 && v <= total) {
                return Err(loc.at(
                    q.span(),
                    format!("{party}: quota {v} must be above 0 and at most the blocs' total weight {total}"),
                ));
            }
            Rule::Quota { quota: v }
        }
        "dominant" => {
            let Some(b) = &dd.dominant else {
                return Err(loc.at(dd.rule.span(), format!("{party}: rule \"dominant\" needs `dominant = \"BLOC\"`")));
            };
            Rule::Dominant { bloc: find_bloc(b)? }
        }
        "weighted-sum" => Rule::WeightedSum,
        other => {
            return Err(loc.at(
                dd.rule.span(),
                format!("{party}: unknown rule {other:?}; expected unanimity, quota, dominant or weighted-sum"),
            ));
        }
    };
    if !matches!(rule, Rule::Quota { .. }) && dd.quota.is_some() {
        return Err(loc.at(dd.rule.span(), format!("{party}: `quota` applies to rule \"quota\" only")));
    }
    if total <= 0.0 {
        return Err(
            loc.at(bloc_decls.span(), format!("{party}: the blocs' weights sum to 0; the mandate needs weight"))
        );
    }
    let mut changes = Vec::new();
    if let Some(cs) = &p.changes {
        for c in cs.get_ref() {
            let cd = c.get_ref();
            let at = *cd.at.get_ref();
            if !(0.0..=1.0).contains(&at) {
                return Err(loc.at(
                    cd.at.span(),
                    format!("{party}: change time `at` must be a relative time in [0, 1], not {at}"),
                ));
            }
            let bloc = cd.bloc.as_ref().map(find_bloc).transpose()?;
            let who = format!("{party}, change at {at}");
            let bloc_only = |given: bool, what: &str| -> Result<(), FormatError> {
                if given && bloc.is_none() {
                    return Err(loc.at(c.span(), format!("{who}: `{what}` needs `bloc = \"...\"`")));
                }
                Ok(())
            };
            bloc_only(cd.weight.is_some(), "weight")?;
            bloc_only(cd.veto.is_some(), "veto")?;
            bloc_only(cd.reversion.is_some() || cd.reversion_outcome.is_some(), "reversion")?;
            bloc_only(cd.red_lines.is_some(), "red_lines")?;
            let quota = match &cd.quota {
                Some(q) => {
                    let v = *q.get_ref();
                    if !matches!(rule, Rule::Quota { .. }) {
                        return Err(loc.at(q.span(), format!("{who}: `quota` applies to rule \"quota\" only")));
                    }
                    if !(v.is_finite() && v > 0.0) {
                        return Err(loc.at(q.span(), format!("{who}: quota must be a positive number")));
                    }
                    Some(v)
                }
                None => None,
            };
            changes.push(Change {
                at,
                bloc,
                weight: cd.weight.as_ref().map(|w| weight(loc, w, &who)).transpose()?,
                veto: cd.veto,
                reversion: read_reversion(
                    loc,
                    space,
                    cd.reversion.as_ref(),
                    cd.reversion_outcome.as_ref(),
                    c.span(),
                    &who,
                )?,
                red_lines: cd.red_lines.as_ref().map(|r| read_red_lines(loc, space, r, &who)).transpose()?,
                add_red_lines: vec![],
                quota,
            });
        }
    }
    let delegation = Delegation { blocs, rule, defection: dd.defection, changes };
    let mandate = entente_model::timeline::start_mandate(space, &delegation)
        .map_err(|e| loc.at(d.span(), format!("{party}: mandate: {e}")))?;
    debug_assert!(mandate.reservation().is_finite());
    Ok((mandate, delegation))
}

fn value_toml(v: &Value) -> String {
    match v {
        Value::Int(i) => i.to_string(),
        Value::Real(x) => crate::scenario::num(*x),
        Value::Text(t) => toml::Value::String(t.clone()).to_string(),
    }
}

/// Why a delegation cannot be written as TOML.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum DelegationWriteError {
    #[error("the dominant bloc does not exist")]
    NoDominantBloc { bloc: usize },
    #[error("a red line names an issue that does not exist")]
    NoRedLineIssue { issue: usize },
    #[error("a red line names a value that does not exist")]
    NoRedLineValue { issue: usize, value: u32 },
    #[error("a change names a bloc that does not exist")]
    NoChangeBloc { bloc: usize },
    #[error("bloc {bloc:?}: only linear additive bloc utilities can be written")]
    NotAdditive { bloc: String },
    #[error("bloc {bloc:?}: a bloc's utility carries no reservation or discount")]
    ReservationOrDiscount { bloc: String },
    /// Changes that add red lines: the format's `red_lines` replace them.
    #[error("a change that adds red lines (the format's `red_lines` replace them)")]
    AddedRedLines,
    /// An outcome (a red line, a status quo) outside the space.
    #[error(transparent)]
    Outcome(#[from] entente_core::ModelError),
}

fn outcome_toml(space: &OutcomeSpace, o: u32) -> Result<String, DelegationWriteError> {
    let labels = space.labels(o as u128)?;
    let fields: Vec<String> = space
        .issues()
        .iter()
        .zip(&labels)
        .map(|(i, v)| format!("{} = {}", crate::scenario::toml_key(&i.name), value_toml(v)))
        .collect();
    Ok(format!("{{ {} }}", fields.join(", ")))
}

fn red_lines_toml(space: &OutcomeSpace, red_lines: &[RedLine]) -> Result<String, DelegationWriteError> {
    let mut items = Vec::new();
    for r in red_lines {
        items.push(match *r {
            RedLine::Value { issue, value } => {
                let i = space.issues().get(issue).ok_or(DelegationWriteError::NoRedLineIssue { issue })?;
                let v = i.value(value).ok_or(DelegationWriteError::NoRedLineValue { issue, value })?;
                format!("{{ issue = {}, value = {} }}", toml::Value::String(i.name.clone()), value_toml(&v))
            }
            RedLine::Outcome(o) => format!("{{ outcome = {} }}", outcome_toml(space, o)?),
        });
    }
    Ok(format!("[{}]", items.join(", ")))
}

fn reversion_toml(space: &OutcomeSpace, r: &Reversion) -> Result<String, DelegationWriteError> {
    Ok(match *r {
        Reversion::Utility(u) => format!("reversion = {}", crate::scenario::num(u)),
        Reversion::Outcome(o) => format!("reversion_outcome = {}", outcome_toml(space, o)?),
    })
}

/// Writes a delegation's tables (after the party's name and negotiator).
pub(crate) fn write_delegation(
    out: &mut String,
    s: &entente_model::Scenario,
    d: &Delegation,
) -> Result<(), DelegationWriteError> {
    use crate::scenario::num;
    use std::fmt::Write;
    let space = &s.space;
    let q = |t: &str| toml::Value::String(t.to_string()).to_string();
    let _ = writeln!(out, "[parties.delegation]");
    match d.rule {
        Rule::Unanimity => {
            let _ = writeln!(out, "rule = \"unanimity\"");
        }
        Rule::Quota { quota } => {
            let _ = writeln!(out, "rule = \"quota\"\nquota = {}", num(quota));
        }
        Rule::Dominant { bloc } => {
            let name =
                d.blocs.get(bloc).map(|b| b.bloc.name.as_str()).ok_or(DelegationWriteError::NoDominantBloc { bloc })?;
            let _ = writeln!(out, "rule = \"dominant\"\ndominant = {}", q(name));
        }
        Rule::WeightedSum => {
            let _ = writeln!(out, "rule = \"weighted-sum\"");
        }
    }
    let _ = writeln!(out, "defection = {}", d.defection);
    for b in &d.blocs {
        let bloc = &b.bloc;
        let _ = writeln!(
            out,
            "\n[[parties.blocs]]\nname = {}\nweight = {}\nveto = {}",
            q(&bloc.name),
            num(bloc.weight),
            bloc.veto
        );
        let _ = writeln!(out, "{}", reversion_toml(space, &bloc.reversion)?);
        if !bloc.red_lines.is_empty() {
            let _ = writeln!(out, "red_lines = {}", red_lines_toml(space, &bloc.red_lines)?);
        }
        if let Some(u) = &b.uncertainty {
            let _ = writeln!(out, "uncertainty = {{ values = {}, reversion = {} }}", num(u.values), num(u.reversion));
        }
        let Some(u) = b.utility.as_additive() else {
            return Err(DelegationWriteError::NotAdditive { bloc: bloc.name.clone() });
        };
        if u.reservation().is_finite() || u.discount().is_some() {
            return Err(DelegationWriteError::ReservationOrDiscount { bloc: bloc.name.clone() });
        }
        if u.bias() != 0.0 {
            let _ = writeln!(out, "bias = {}", num(u.bias()));
        }
        crate::scenario::write_additive_issues(out, s, u, "[parties.blocs.issues]");
    }
    for c in &d.changes {
        if !c.add_red_lines.is_empty() {
            return Err(DelegationWriteError::AddedRedLines);
        }
        let _ = writeln!(out, "\n[[parties.changes]]\nat = {}", num(c.at));
        if let Some(k) = c.bloc {
            let name =
                d.blocs.get(k).map(|b| b.bloc.name.as_str()).ok_or(DelegationWriteError::NoChangeBloc { bloc: k })?;
            let _ = writeln!(out, "bloc = {}", q(name));
        }
        if let Some(w) = c.weight {
            let _ = writeln!(out, "weight = {}", num(w));
        }
        if let Some(v) = c.veto {
            let _ = writeln!(out, "veto = {v}");
        }
        if let Some(r) = &c.reversion {
            let _ = writeln!(out, "{}", reversion_toml(space, r)?);
        }
        if let Some(r) = &c.red_lines {
            let _ = writeln!(out, "red_lines = {}", red_lines_toml(space, r)?);
        }
        if let Some(qv) = c.quota {
            let _ = writeln!(out, "quota = {}", num(qv));
        }
    }
    Ok(())
}
