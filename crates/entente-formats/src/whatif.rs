//! The changes file of `entente whatif --changes FILE` (and of the talks'
//! `--changes`): a TOML list of what-if changes, read into the model's
//! [`WhatIf`] changes, with errors naming file, line and column. The changes
//! themselves, their compact form and how they apply are model editing:
//! [`entente_model::whatif`] (re-exported here).
//!
//! # Changes file (`entente whatif --changes FILE`)
//!
//! ```toml
//! [[change]]
//! kind = "veto"
//! party = "delegation_b"
//! bloc = "khost"
//! veto = false
//!
//! [[change]]
//! kind = "merge"
//! party = "delegation_b"
//! blocs = ["kandahar", "kabul"]
//! name = "south"
//!
//! [[change]]
//! change = "drop-issue guarantor=none"    # the compact form, as a one-liner
//! ```
//!
//! Fields per kind: `veto` (party, bloc, veto), `weight` (party, bloc,
//! weight), `quota` (party, quota), `rule` (party, rule, and quota or
//! dominant), `merge` (party, blocs, name), `drop-issue` (issue, value),
//! `add-issue` (issue, values), `drop-value` (issue, value), `add-value`
//! (issue, value), `reservation` (party, reservation: a number or "none"),
//! `reversion` (party, bloc, reversion), `strategy` (party, strategy),
//! `rounds` (rounds), `utility` (party, optional bloc, issue, weight, optional
//! values).
//!

use std::path::Path;

use entente_core::Value;
use serde::Deserialize;
use toml::Spanned;

pub use entente_model::whatif::*;

use crate::error::FormatError;
// ---------------------------------------------------------------------------
// The changes file.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangesFileDecl {
    #[serde(default)]
    change: Vec<Spanned<ChangeDecl>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeDecl {
    kind: Option<Spanned<String>>,
    change: Option<Spanned<String>>,
    party: Option<Spanned<String>>,
    bloc: Option<Spanned<String>>,
    blocs: Option<Spanned<Vec<String>>>,
    name: Option<Spanned<String>>,
    issue: Option<Spanned<String>>,
    value: Option<Spanned<toml::Value>>,
    values: Option<Spanned<Vec<toml::Value>>>,
    veto: Option<Spanned<bool>>,
    weight: Option<Spanned<toml::Value>>,
    quota: Option<Spanned<toml::Value>>,
    rule: Option<Spanned<String>>,
    dominant: Option<Spanned<String>>,
    reservation: Option<Spanned<toml::Value>>,
    reversion: Option<Spanned<toml::Value>>,
    strategy: Option<Spanned<String>>,
    rounds: Option<Spanned<i64>>,
}

fn position(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rfind('\n').map_or(offset, |i| offset - i - 1) + 1;
    (line, column)
}

fn toml_value(v: &toml::Value) -> Value {
    match v {
        toml::Value::Integer(i) => Value::Int(*i),
        toml::Value::Float(x) => Value::Real(*x),
        toml::Value::String(s) => Value::Text(s.clone()),
        other => Value::Text(other.to_string()),
    }
}

fn toml_number(v: &toml::Value) -> Option<f64> {
    match v {
        toml::Value::Integer(i) => Some(*i as f64),
        toml::Value::Float(x) if x.is_finite() => Some(*x),
        _ => None,
    }
}

fn label(v: &toml::Value) -> Option<String> {
    match v {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Integer(i) => Some(i.to_string()),
        toml::Value::Float(x) => Some(x.to_string()),
        toml::Value::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Reads a changes file.
#[allow(clippy::disallowed_methods)] // reads or writes files: the job of this crate
pub fn read_changes_file(path: &Path) -> Result<Vec<WhatIf>, FormatError> {
    let text = std::fs::read_to_string(path).map_err(|e| FormatError::io(path, e))?;
    parse_changes(&text, path)
}

/// Parses the text of a changes file; `path` is used in error messages.
pub fn parse_changes(text: &str, path: &Path) -> Result<Vec<WhatIf>, FormatError> {
    let at = |span: std::ops::Range<usize>, message: String| -> FormatError {
        let (line, column) = position(text, span.start);
        FormatError::Syntax { file: path.to_path_buf(), line, column, message }
    };
    let decl: ChangesFileDecl =
        toml::from_str(text).map_err(|e| at(e.span().unwrap_or(0..0), e.message().trim().to_string()))?;
    if decl.change.is_empty() {
        return Err(at(0..0, "no changes: give one or more [[change]] tables".into()));
    }
    let mut out = Vec::with_capacity(decl.change.len());
    for (i, c) in decl.change.iter().enumerate() {
        out.push(read_change_decl(c.get_ref(), i + 1).map_err(|(span, m)| at(span.unwrap_or(c.span()), m))?);
    }
    Ok(out)
}

/// Reads the changes file of `entente talks --changes FILE`: the same
/// `[[change]]` tables, and the talks' own changes in the compact form
/// (`change = "unify all"`; see [`entente_model::whatif::talks`]).
#[allow(clippy::disallowed_methods)] // reads or writes files: the job of this crate
pub fn read_talks_changes_file(path: &Path) -> Result<Vec<talks::TalksChange>, FormatError> {
    let text = std::fs::read_to_string(path).map_err(|e| FormatError::io(path, e))?;
    parse_talks_changes(&text, path)
}

/// Parses the text of a talks changes file; `path` is used in error messages.
pub fn parse_talks_changes(text: &str, path: &Path) -> Result<Vec<talks::TalksChange>, FormatError> {
    let at = |span: std::ops::Range<usize>, message: String| -> FormatError {
        let (line, column) = position(text, span.start);
        FormatError::Syntax { file: path.to_path_buf(), line, column, message }
    };
    let decl: ChangesFileDecl =
        toml::from_str(text).map_err(|e| at(e.span().unwrap_or(0..0), e.message().trim().to_string()))?;
    if decl.change.is_empty() {
        return Err(at(0..0, "no changes: give one or more [[change]] tables".into()));
    }
    const TALKS_KINDS: [&str; 9] = [
        "red-lines",
        "unify",
        "drop-instruction",
        "drop-incident",
        "drop-tabling",
        "guarantor",
        "add-session",
        "lengthen-session",
        "exponent",
    ];
    let mut out = Vec::with_capacity(decl.change.len());
    for (i, c) in decl.change.iter().enumerate() {
        let d = c.get_ref();
        if let (Some(compact), None) = (&d.change, &d.kind) {
            out.push(
                talks::parse_talks_compact(compact.get_ref())
                    .map_err(|m| at(compact.span(), format!("change {}: {m}", i + 1)))?,
            );
            continue;
        }
        if let Some(kind) = &d.kind {
            let k = kind.get_ref().trim().to_ascii_lowercase().replace('_', "-");
            if TALKS_KINDS.contains(&k.as_str()) || ["drafting", "table", "guarantee"].contains(&k.as_str()) {
                return Err(at(
                    kind.span(),
                    format!(
                        "change {}: a talks change ({k}) is given in the compact form: change = \"{k} ...\" (see docs/talks.md)",
                        i + 1
                    ),
                ));
            }
        }
        let w = read_change_decl(d, i + 1).map_err(|(span, m)| at(span.unwrap_or(c.span()), m))?;
        out.push(talks::TalksChange::Scenario(w));
    }
    Ok(out)
}

type DeclError = (Option<std::ops::Range<usize>>, String);

fn read_change_decl(d: &ChangeDecl, index: usize) -> Result<WhatIf, DeclError> {
    let fields: [(&str, Option<std::ops::Range<usize>>); 17] = [
        ("party", d.party.as_ref().map(|s| s.span())),
        ("bloc", d.bloc.as_ref().map(|s| s.span())),
        ("blocs", d.blocs.as_ref().map(|s| s.span())),
        ("name", d.name.as_ref().map(|s| s.span())),
        ("issue", d.issue.as_ref().map(|s| s.span())),
        ("value", d.value.as_ref().map(|s| s.span())),
        ("values", d.values.as_ref().map(|s| s.span())),
        ("veto", d.veto.as_ref().map(|s| s.span())),
        ("weight", d.weight.as_ref().map(|s| s.span())),
        ("quota", d.quota.as_ref().map(|s| s.span())),
        ("rule", d.rule.as_ref().map(|s| s.span())),
        ("dominant", d.dominant.as_ref().map(|s| s.span())),
        ("reservation", d.reservation.as_ref().map(|s| s.span())),
        ("reversion", d.reversion.as_ref().map(|s| s.span())),
        ("strategy", d.strategy.as_ref().map(|s| s.span())),
        ("rounds", d.rounds.as_ref().map(|s| s.span())),
        ("kind", d.kind.as_ref().map(|s| s.span())),
    ];
    if let Some(c) = &d.change {
        if let Some((f, span)) = fields.iter().find(|(_, s)| s.is_some()) {
            return Err((
                span.clone(),
                format!(
                    "change {index}: give either `change = \"...\"` (the compact form) or `kind` and its fields, not `{f}` with `change`"
                ),
            ));
        }
        return parse_compact(c.get_ref()).map_err(|m| (Some(c.span()), format!("change {index}: {m}")));
    }
    let Some(kind) = &d.kind else {
        return Err((
            None,
            format!(
                "change {index}: give `kind = \"...\"` (veto, weight, quota, rule, merge, drop-issue, add-issue, drop-value, add-value, reservation, reversion, strategy, rounds, utility) or `change = \"...\"`"
            ),
        ));
    };
    let k = kind.get_ref().trim().to_ascii_lowercase().replace('_', "-");
    let allowed: &[&str] = match k.as_str() {
        "veto" => &["party", "bloc", "veto"],
        "weight" => &["party", "bloc", "weight"],
        "quota" => &["party", "quota"],
        "rule" => &["party", "rule", "quota", "dominant"],
        "merge" => &["party", "blocs", "name"],
        "drop-issue" | "drop-value" | "add-value" => &["issue", "value"],
        "add-issue" => &["issue", "values"],
        "reservation" => &["party", "reservation"],
        "reversion" => &["party", "bloc", "reversion"],
        "strategy" => &["party", "strategy"],
        "rounds" => &["rounds"],
        "utility" => &["party", "bloc", "issue", "weight", "values"],
        other => {
            return Err((
                Some(kind.span()),
                format!(
                    "change {index}: unknown kind {other:?}; expected veto, weight, quota, rule, merge, drop-issue, add-issue, drop-value, add-value, reservation, reversion, strategy, rounds or utility"
                ),
            ));
        }
    };
    let who = format!("change {index} ({k})");
    for (f, span) in &fields {
        if span.is_some() && *f != "kind" && !allowed.contains(f) {
            return Err((
                span.clone(),
                format!("{who}: unexpected field `{f}`; this kind takes {}", allowed.join(", ")),
            ));
        }
    }
    let missing = |f: &str| -> DeclError { (Some(kind.span()), format!("{who}: `{f}` is missing")) };
    let string = |s: &Option<Spanned<String>>, f: &str| -> Result<String, DeclError> {
        let s = s.as_ref().ok_or_else(|| missing(f))?;
        match s.get_ref().trim() {
            "" => Err((Some(s.span()), format!("{who}: `{f}` is missing"))),
            t => Ok(t.to_string()),
        }
    };
    let num = |v: &Option<Spanned<toml::Value>>, f: &str| -> Result<f64, DeclError> {
        let v = v.as_ref().ok_or_else(|| missing(f))?;
        toml_number(v.get_ref())
            .ok_or_else(|| (Some(v.span()), format!("{who}: `{f}` must be a finite number, not {}", v.get_ref())))
    };
    let val = |f: &str| -> Result<Value, DeclError> {
        let v = d.value.as_ref().ok_or_else(|| missing(f))?;
        match v.get_ref() {
            toml::Value::String(_) | toml::Value::Integer(_) | toml::Value::Float(_) | toml::Value::Boolean(_) => {
                Ok(toml_value(v.get_ref()))
            }
            other => Err((Some(v.span()), format!("{who}: `value` must be a string or a number, not {other}"))),
        }
    };
    let at_field = |span: Option<std::ops::Range<usize>>, m: String| -> DeclError { (span, format!("{who}: {m}")) };
    Ok(match k.as_str() {
        "veto" => WhatIf::Veto {
            party: string(&d.party, "party")?,
            bloc: string(&d.bloc, "bloc")?,
            veto: *d.veto.as_ref().ok_or_else(|| missing("veto"))?.get_ref(),
        },
        "weight" => WhatIf::Weight {
            party: string(&d.party, "party")?,
            bloc: string(&d.bloc, "bloc")?,
            weight: num(&d.weight, "weight")?,
        },
        "quota" => WhatIf::Quota { party: string(&d.party, "party")?, quota: num(&d.quota, "quota")? },
        "rule" => {
            let r = d.rule.as_ref().ok_or_else(|| missing("rule"))?;
            let rule = match r.get_ref().trim().to_ascii_lowercase().replace('_', "-").as_str() {
                "unanimity" => RuleChange::Unanimity,
                "weighted-sum" => RuleChange::WeightedSum,
                "quota" => RuleChange::Quota(num(&d.quota, "quota")?),
                "dominant" => RuleChange::Dominant(string(&d.dominant, "dominant")?),
                other => {
                    return Err(at_field(
                        Some(r.span()),
                        format!("unknown rule {other:?}; expected unanimity, quota, dominant or weighted-sum"),
                    ));
                }
            };
            let extra = match rule {
                RuleChange::Quota(_) => d.dominant.as_ref().map(|s| ("dominant", s.span())),
                RuleChange::Dominant(_) => d.quota.as_ref().map(|s| ("quota", s.span())),
                _ => d
                    .quota
                    .as_ref()
                    .map(|s| ("quota", s.span()))
                    .or(d.dominant.as_ref().map(|s| ("dominant", s.span()))),
            };
            if let Some((f, span)) = extra {
                return Err(at_field(Some(span), format!("`{f}` does not belong to rule {:?}", r.get_ref())));
            }
            WhatIf::Rule { party: string(&d.party, "party")?, rule }
        }
        "merge" => {
            let b = d.blocs.as_ref().ok_or_else(|| missing("blocs"))?;
            if b.get_ref().len() < 2 {
                return Err(at_field(Some(b.span()), "a merge needs at least two blocs".into()));
            }
            let blocs = b
                .get_ref()
                .iter()
                .map(|x| required_name(x, "a merged bloc"))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|m| at_field(Some(b.span()), m.to_string()))?;
            WhatIf::Merge { party: string(&d.party, "party")?, blocs, name: string(&d.name, "name")? }
        }
        "drop-issue" => WhatIf::DropIssue { issue: string(&d.issue, "issue")?, value: val("value")? },
        "drop-value" => WhatIf::DropValue { issue: string(&d.issue, "issue")?, value: val("value")? },
        "add-value" => {
            let v = val("value")?;
            WhatIf::AddValue {
                issue: string(&d.issue, "issue")?,
                value: required_name(&v.to_string(), "the value").map_err(|m| at_field(None, m.to_string()))?,
            }
        }
        "add-issue" => {
            let vs = d.values.as_ref().ok_or_else(|| missing("values"))?;
            let mut values = Vec::new();
            for v in vs.get_ref() {
                let l = label(v).ok_or_else(|| {
                    at_field(Some(vs.span()), format!("a value must be a string or a number, not {v}"))
                })?;
                values.push(required_name(&l, "a value").map_err(|m| at_field(Some(vs.span()), m.to_string()))?);
            }
            if values.is_empty() {
                return Err(at_field(Some(vs.span()), "a new issue needs at least one value".into()));
            }
            WhatIf::AddIssue { issue: string(&d.issue, "issue")?, values }
        }
        "reservation" => {
            let r = d.reservation.as_ref().ok_or_else(|| missing("reservation"))?;
            let reservation = match r.get_ref() {
                toml::Value::String(s) if s.trim().eq_ignore_ascii_case("none") => None,
                v => Some(toml_number(v).ok_or_else(|| {
                    at_field(Some(r.span()), format!("`reservation` must be a finite number or \"none\", not {v}"))
                })?),
            };
            WhatIf::Reservation { party: string(&d.party, "party")?, reservation }
        }
        "reversion" => WhatIf::Reversion {
            party: string(&d.party, "party")?,
            bloc: string(&d.bloc, "bloc")?,
            reversion: num(&d.reversion, "reversion")?,
        },
        "strategy" => {
            let s = d.strategy.as_ref().ok_or_else(|| missing("strategy"))?;
            WhatIf::Strategy {
                party: string(&d.party, "party")?,
                strategy: strategy_name(s.get_ref()).map_err(|m| at_field(Some(s.span()), m.to_string()))?,
            }
        }
        "rounds" => {
            let r = d.rounds.as_ref().ok_or_else(|| missing("rounds"))?;
            WhatIf::Rounds {
                rounds: round_limit(&r.get_ref().to_string()).map_err(|m| at_field(Some(r.span()), m.to_string()))?,
            }
        }
        "utility" => {
            let values = match &d.values {
                Some(vs) => Some(
                    vs.get_ref()
                        .iter()
                        .map(|v| {
                            toml_number(v).ok_or_else(|| {
                                at_field(Some(vs.span()), format!("value utilities must be finite numbers, not {v}"))
                            })
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                ),
                None => None,
            };
            WhatIf::Utility {
                party: string(&d.party, "party")?,
                bloc: d.bloc.as_ref().map(|_| string(&d.bloc, "bloc")).transpose()?,
                issue: string(&d.issue, "issue")?,
                weight: num(&d.weight, "weight")?,
                values,
            }
        }
        _ => return Err(missing("kind")),
    })
}
