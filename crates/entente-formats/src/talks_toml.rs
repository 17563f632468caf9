//! A round of mediated talks in the scenario format: a scenario file with a
//! `[talks]` table.
//!
//! ```toml
//! [talks]
//! mediators = ["qatar", "turkey"]          # co-mediators, taking turns
//! agenda = ["assurances", "designation"]   # issues on the table from the start, in order
//! defaults = { assurances = "none", guarantor = "none" }   # the status quo of every issue
//! step_minutes = 30                        # one mediation step
//! drafting = { qatar = "nash" }            # a mediator's drafting rule (default: margin)
//! guarantees = { verification = "united_states" }   # an agenda clause that needs a guarantor's consent
//!
//! [[talks.sessions]]
//! day = 1
//! start = "09:00"
//! hours = 19                               # or minutes = ...
//!
//! [talks.conduct.state_a]
//! exponent = 2.0                           # concession over the round: aspiration r + (max - r)(1 - τ^e)
//! [talks.conduct.delegation_b]
//! exponent = 0.8
//! capital_delay_minutes = 90               # how long its capital takes to answer
//! confided_to_mediators = true             # the mediators see its private scores (default)
//!
//! [[talks.guarantors]]
//! name = "united_states"
//! present = false                          # an absent guarantor never answers
//!
//! [[talks.instructions]]                   # a bloc re-instructs its delegation
//! day = 3
//! time = "17:00"
//! party = "delegation_b"
//! bloc = "khost"
//! text = "No agreement without a guarantor."
//! veto = true                              # and/or weight, reversion
//! red_lines = [{ issue = "guarantor", value = "none" }]
//! table = { issue = "guarantor", guarantor = "united_states" }
//! statement = "…"                          # a public statement, optional
//!
//! [[talks.tabling]]                       # an item tabled on a party's or a mediator's own initiative
//! day = 2
//! time = "10:30"
//! by = "state_a"                           # a party or a mediator
//! issue = "verification"
//! guarantor = "united_states"              # optional
//! text = "…"                               # optional: the reason logged
//!
//! [[talks.incidents]]
//! day = 2
//! time = "04:30"
//! place = "…"
//! casualties = 5
//! attributed_to = "…"
//! text = "…"
//! issues = ["verification"]
//! effects = [{ reopen = { party = "state_a", issues = ["verification"] } }, { breakdown_risk = 0.05 },
//!            { lower_reservation = { party = "state_a", by = 0.05 } }]
//!
//! [talks.baseline]                         # the agreement this round continues
//! name = "Doha ceasefire"
//! clauses = { ceasefire = "holds" }
//! ```

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use entente_core::blocs::{RedLine, Reversion};
use entente_core::{OutcomeSpace, Value};
use entente_model::talks::{
    Baseline, Conduct, DAY, Drafting, Effect, Guarantor, HOUR, Incident, Instruction, Session, TableItem, Tabler,
    Tabling, Talks, clock,
};
use serde::Deserialize;
use toml::Spanned;

use crate::error::FormatError;
use crate::scenario::{Locator, parse_scenario};

#[derive(Deserialize)]
struct TalksFile {
    talks: Option<Spanned<TalksDecl>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TalksDecl {
    mediators: Spanned<Vec<String>>,
    agenda: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    defaults: Option<Spanned<BTreeMap<String, toml::Value>>>,
    step_minutes: Option<Spanned<i64>>,
    sessions: Spanned<Vec<Spanned<SessionDecl>>>,
    #[serde(default)]
    conduct: Option<BTreeMap<String, Spanned<ConductDecl>>>,
    #[serde(default)]
    guarantors: Vec<Spanned<GuarantorDecl>>,
    #[serde(default)]
    instructions: Vec<Spanned<InstructionDecl>>,
    #[serde(default)]
    tabling: Vec<Spanned<TablingDecl>>,
    #[serde(default)]
    drafting: Option<Spanned<BTreeMap<String, String>>>,
    #[serde(default)]
    guarantees: Option<Spanned<BTreeMap<String, String>>>,
    #[serde(default)]
    incidents: Vec<Spanned<IncidentDecl>>,
    baseline: Option<Spanned<BaselineDecl>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionDecl {
    day: Spanned<i64>,
    start: Spanned<String>,
    hours: Option<Spanned<f64>>,
    minutes: Option<Spanned<i64>>,
    label: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConductDecl {
    exponent: Option<f64>,
    capital_delay_minutes: Option<i64>,
    confided_to_mediators: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GuarantorDecl {
    name: String,
    #[serde(default)]
    present: bool,
    #[serde(default)]
    consents: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InstructionDecl {
    day: Spanned<i64>,
    time: Spanned<String>,
    party: Spanned<String>,
    bloc: Spanned<String>,
    text: String,
    weight: Option<Spanned<f64>>,
    veto: Option<bool>,
    reversion: Option<Spanned<f64>>,
    #[serde(default)]
    red_lines: Vec<Spanned<RedLineDecl>>,
    /// Replaces the bloc's red lines (before `red_lines` are added).
    set_red_lines: Option<Vec<Spanned<RedLineDecl>>>,
    /// Moves the delegation's quota (rule `quota`).
    quota: Option<Spanned<f64>>,
    table: Option<Spanned<TableDecl>>,
    statement: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TablingDecl {
    day: Spanned<i64>,
    time: Spanned<String>,
    by: Spanned<String>,
    issue: Spanned<String>,
    guarantor: Option<Spanned<String>>,
    text: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RedLineDecl {
    issue: String,
    value: toml::Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TableDecl {
    issue: String,
    guarantor: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IncidentDecl {
    day: Spanned<i64>,
    time: Spanned<String>,
    place: String,
    #[serde(default)]
    casualties: u32,
    attributed_to: Option<String>,
    text: String,
    #[serde(default)]
    issues: Vec<Spanned<String>>,
    #[serde(default)]
    effects: Vec<Spanned<EffectDecl>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
enum EffectDecl {
    LowerReservation { party: String, by: f64 },
    BreakdownRisk(f64),
    Reopen { party: String, issues: Vec<String> },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineDecl {
    name: String,
    clauses: BTreeMap<String, toml::Value>,
}

/// Whether a scenario file declares talks.
pub fn has_talks(text: &str) -> bool {
    toml::from_str::<TalksFile>(text).is_ok_and(|f| f.talks.is_some())
}

/// Reads a talks file.
#[allow(clippy::disallowed_methods)] // reads or writes files: the job of this crate
pub fn read_talks(path: &Path) -> Result<Talks, FormatError> {
    match crate::detect_format(path) {
        Ok(format @ (crate::Format::Genius | crate::Format::GeniusWeb)) => {
            return Err(FormatError::FolderHasNoTalks { file: path.to_path_buf(), format });
        }
        Err(e @ (FormatError::NotFound { .. } | FormatError::NotAFile { .. } | FormatError::UnknownFolder { .. })) => {
            return Err(e);
        }
        _ => {}
    }
    let text = std::fs::read_to_string(path).map_err(|e| FormatError::io(path, e))?;
    parse_talks(&text, path)
}

fn value_of(v: &toml::Value) -> Value {
    match v {
        toml::Value::Integer(i) => Value::Int(*i),
        toml::Value::Float(x) => Value::Real(*x),
        toml::Value::String(s) => Value::Text(s.clone()),
        other => Value::Text(other.to_string()),
    }
}

/// Minutes since the start of day 1 for `day` and `HH:MM`.
/// The minute of `day` and `time` for `what`, which must fall before `last_end` (the end of the last session)
/// or it would never be `done`.
fn minute_before(
    loc: &Locator,
    day: &Spanned<i64>,
    time: &Spanned<String>,
    last_end: u64,
    what: &str,
    done: &str,
) -> Result<u64, FormatError> {
    let at = minute(loc, day, time)?;
    if at >= last_end {
        return Err(loc.at(
            day.span(),
            format!(
                "{what}: dated {}, at or after the end of the last session ({}): it would never be {done}",
                clock(at),
                clock(last_end)
            ),
        ));
    }
    Ok(at)
}

fn minute(loc: &Locator, day: &Spanned<i64>, time: &Spanned<String>) -> Result<u64, FormatError> {
    let d = *day.get_ref();
    if !(1..=366).contains(&d) {
        return Err(loc.at(day.span(), format!("day must be from 1 to 366, not {d}")));
    }
    let bad = || loc.at(time.span(), format!("time must be HH:MM (00:00 to 23:59), not {:?}", time.get_ref()));
    let (h, m) = time.get_ref().trim().split_once(':').ok_or_else(bad)?;
    let (h, m): (u64, u64) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if h > 23 || m > 59 {
        return Err(bad());
    }
    Ok((d as u64 - 1) * DAY + h * HOUR + m)
}

fn issue_index(loc: &Locator, space: &OutcomeSpace, name: &str, span: Range<usize>) -> Result<usize, FormatError> {
    space.issue_position(name).ok_or_else(|| {
        let names: Vec<&str> = space.issues().iter().map(|i| i.name.as_str()).collect();
        loc.at(span, format!("there is no issue {name:?}; the issues are {}", names.join(", ")))
    })
}

fn value_index(
    loc: &Locator,
    space: &OutcomeSpace,
    issue: usize,
    v: &toml::Value,
    span: Range<usize>,
) -> Result<u32, FormatError> {
    let val = value_of(v);
    space.issues()[issue]
        .index_of(&val)
        .ok_or_else(|| loc.at(span, format!("issue {:?} has no value {val}", space.issues()[issue].name)))
}

/// Parses a talks file: the scenario, then its `[talks]` table.
pub fn parse_talks(text: &str, path: &Path) -> Result<Talks, FormatError> {
    let scenario = parse_scenario(text, path)?;
    let loc = Locator { file: path, text };
    let file: TalksFile =
        toml::from_str(text).map_err(|e| loc.at(e.span().unwrap_or(0..0), e.message().trim().to_string()))?;
    let Some(t) = file.talks else {
        return Err(FormatError::Field {
            file: path.to_path_buf(),
            field: "talks".into(),
            message: "this scenario declares no talks: add a [talks] table (see docs/talks.md)".into(),
        });
    };
    let span = t.span();
    let t = t.into_inner();
    let space = &scenario.space;
    let party = |name: &Spanned<String>| -> Result<usize, FormatError> {
        scenario.parties.iter().position(|p| p.name == *name.get_ref()).ok_or_else(|| {
            let names: Vec<&str> = scenario.parties.iter().map(|p| p.name.as_str()).collect();
            loc.at(name.span(), format!("there is no party {:?}; the parties are {}", name.get_ref(), names.join(", ")))
        })
    };
    let party_plain = |name: &str, sp: Range<usize>| -> Result<usize, FormatError> {
        scenario
            .parties
            .iter()
            .position(|p| p.name == name)
            .ok_or_else(|| loc.at(sp, format!("there is no party {name:?}")))
    };

    if t.mediators.get_ref().is_empty() {
        return Err(loc.at(t.mediators.span(), "talks need at least one mediator"));
    }
    for (k, m) in t.mediators.get_ref().iter().enumerate() {
        if t.mediators.get_ref()[..k].contains(m) {
            return Err(loc.at(t.mediators.span(), format!("mediators: {m:?} is named twice")));
        }
        if scenario.parties.iter().any(|p| p.name == *m) {
            return Err(loc.at(
                t.mediators.span(),
                format!("mediators: {m:?} is a party of the talks; a mediator must be another actor"),
            ));
        }
    }
    let mut agenda = Vec::new();
    for a in t.agenda.get_ref() {
        let i = issue_index(&loc, space, a.get_ref(), a.span())?;
        if agenda.contains(&i) {
            return Err(loc.at(a.span(), format!("issue {:?} is on the agenda twice", a.get_ref())));
        }
        agenda.push(i);
    }
    if agenda.is_empty() {
        return Err(loc.at(t.agenda.span(), "the agenda needs at least one issue"));
    }
    let mut defaults = vec![0u32; space.issues().len()];
    if let Some(d) = &t.defaults {
        for (name, v) in d.get_ref() {
            let i = issue_index(&loc, space, name, d.span())?;
            defaults[i] = value_index(&loc, space, i, v, d.span())?;
        }
    }
    let step = match &t.step_minutes {
        Some(s) => {
            let v = *s.get_ref();
            if !(1..=24 * 60).contains(&v) {
                return Err(loc.at(s.span(), format!("step_minutes must be from 1 to 1440, not {v}")));
            }
            v as u64
        }
        None => 30,
    };
    let mut sessions: Vec<Session> = Vec::new();
    for s in t.sessions.get_ref() {
        let sd = s.get_ref();
        let start = minute(&loc, &sd.day, &sd.start)?;
        let minutes = match (&sd.hours, &sd.minutes) {
            (Some(h), None) => {
                let v = *h.get_ref();
                if !(v > 0.0 && v <= 72.0) {
                    return Err(loc.at(h.span(), format!("hours must be above 0 and at most 72, not {v}")));
                }
                (v * 60.0).round() as u64
            }
            (None, Some(m)) => {
                let v = *m.get_ref();
                if !(1..=72 * 60).contains(&v) {
                    return Err(loc.at(m.span(), format!("minutes must be from 1 to 4320, not {v}")));
                }
                v as u64
            }
            _ => return Err(loc.at(s.span(), "a session needs `hours` or `minutes` (one of them)")),
        };
        if let Some(prev) = sessions.last()
            && start < prev.end()
        {
            return Err(loc.at(s.span(), "sessions must not overlap and must be in time order"));
        }
        let day = *sd.day.get_ref() as u32;
        sessions.push(Session { day, label: sd.label.clone().unwrap_or_else(|| format!("day {day}")), start, minutes });
    }
    if sessions.is_empty() {
        return Err(loc.at(t.sessions.span(), "talks need at least one session"));
    }
    let mut conduct: Vec<Conduct> = scenario
        .parties
        .iter()
        .map(|p| Conduct {
            exponent: match p.strategy {
                Some(entente_model::StrategySpec::TimeBased { params, .. }) => params.exponent,
                _ => 1.0,
            },
            capital_delay: 60,
            confided_to_mediators: true,
        })
        .collect();
    if let Some(c) = &t.conduct {
        for (name, decl) in c {
            let k = party_plain(name, decl.span())?;
            let d = decl.get_ref();
            if let Some(e) = d.exponent {
                if !(e.is_finite() && e > 0.0) {
                    return Err(loc.at(decl.span(), format!("party {name:?}: exponent must be a positive number")));
                }
                conduct[k].exponent = e;
            }
            if let Some(m) = d.capital_delay_minutes {
                if !(0..=7 * 24 * 60).contains(&m) {
                    return Err(
                        loc.at(decl.span(), format!("party {name:?}: capital_delay_minutes must be from 0 to 10080"))
                    );
                }
                conduct[k].capital_delay = m as u64;
            }
            if let Some(c) = d.confided_to_mediators {
                conduct[k].confided_to_mediators = c;
            }
        }
    }
    let mut guarantors: Vec<Guarantor> = Vec::new();
    for g in &t.guarantors {
        let gd = g.get_ref();
        if guarantors.iter().any(|x| x.name == gd.name) {
            return Err(loc.at(g.span(), format!("guarantors: two guarantors are named {:?}", gd.name)));
        }
        if scenario.parties.iter().any(|p| p.name == gd.name) {
            return Err(loc.at(
                g.span(),
                format!("guarantors: {:?} is a party of the talks; a guarantor must be a third party", gd.name),
            ));
        }
        guarantors.push(Guarantor { name: gd.name.clone(), present: gd.present, consents: gd.consents });
    }
    let last_end = sessions.iter().map(Session::end).max().unwrap_or(0);
    // Items tabled so far (by an earlier instruction), with the instruction's time.
    let mut tabled: Vec<(usize, u64)> = Vec::new();
    let mut instructions = Vec::new();
    for i in &t.instructions {
        let d = i.get_ref();
        let at = minute_before(&loc, &d.day, &d.time, last_end, "instructions", "applied")?;
        let k = party(&d.party)?;
        let Some(delegation) = &scenario.parties[k].delegation else {
            return Err(loc.at(
                d.party.span(),
                format!("party {:?} is not a delegation: it has no blocs to instruct it", d.party.get_ref()),
            ));
        };
        let bloc = delegation.blocs.iter().position(|b| b.bloc.name == *d.bloc.get_ref()).ok_or_else(|| {
            let names: Vec<&str> = delegation.blocs.iter().map(|b| b.bloc.name.as_str()).collect();
            loc.at(
                d.bloc.span(),
                format!("there is no bloc {:?}; the blocs are {}", d.bloc.get_ref(), names.join(", ")),
            )
        })?;
        let red_lines_of = |decls: &[Spanned<RedLineDecl>]| -> Result<Vec<RedLine>, FormatError> {
            let mut out = Vec::new();
            for r in decls {
                let rd = r.get_ref();
                let issue = issue_index(&loc, space, &rd.issue, r.span())?;
                let value = value_index(&loc, space, issue, &rd.value, r.span())?;
                out.push(RedLine::Value { issue, value });
            }
            Ok(out)
        };
        let add_red_lines = red_lines_of(&d.red_lines)?;
        let set_red_lines = d.set_red_lines.as_deref().map(red_lines_of).transpose()?;
        let quota = match &d.quota {
            Some(q) => {
                let v = *q.get_ref();
                let total: f64 = delegation.blocs.iter().map(|b| b.bloc.weight).sum();
                if !matches!(delegation.rule, entente_core::blocs::Rule::Quota { .. }) {
                    return Err(loc.at(q.span(), format!("quota: {:?} does not ratify by quota", d.party.get_ref())));
                }
                if !(v.is_finite() && v > 0.0) {
                    return Err(loc.at(q.span(), format!("quota must be above 0 (the blocs' total weight is {total})")));
                }
                Some(v)
            }
            None => None,
        };
        let table = match &d.table {
            Some(tb) => {
                let td = tb.get_ref();
                let issue = issue_index(&loc, space, &td.issue, tb.span())?;
                if agenda.contains(&issue) {
                    return Err(loc.at(
                        tb.span(),
                        format!(
                            "table: issue {:?} is already on the agenda; only an item off it can be tabled",
                            td.issue
                        ),
                    ));
                }
                if let Some(&(_, when)) = tabled.iter().find(|(i, _)| *i == issue) {
                    return Err(loc.at(
                        tb.span(),
                        format!("table: issue {:?} is already tabled by the instruction of {}", td.issue, clock(when)),
                    ));
                }
                tabled.push((issue, at));
                let guarantor = match &td.guarantor {
                    Some(g) => Some(guarantors.iter().position(|x| x.name == *g).ok_or_else(|| {
                        loc.at(tb.span(), format!("there is no guarantor {g:?} in [[talks.guarantors]]"))
                    })?),
                    None => None,
                };
                Some(TableItem { issue, guarantor })
            }
            None => None,
        };
        let weight = match &d.weight {
            Some(w) => {
                let v = *w.get_ref();
                if !(v.is_finite() && v >= 0.0) {
                    return Err(loc.at(w.span(), "weight must be a number >= 0"));
                }
                Some(v)
            }
            None => None,
        };
        let reversion = match &d.reversion {
            Some(r) => {
                let v = *r.get_ref();
                if !v.is_finite() {
                    return Err(loc.at(r.span(), "reversion must be a finite number"));
                }
                Some(Reversion::Utility(v))
            }
            None => None,
        };
        instructions.push(Instruction {
            at,
            party: k,
            bloc,
            text: d.text.clone(),
            weight,
            veto: d.veto,
            reversion,
            red_lines: set_red_lines,
            add_red_lines,
            quota,
            table,
            statement: d.statement.clone(),
        });
    }
    let guarantor_of = |g: &str, sp: Range<usize>| -> Result<usize, FormatError> {
        guarantors.iter().position(|x| x.name == g).ok_or_else(|| {
            let names: Vec<&str> = guarantors.iter().map(|x| x.name.as_str()).collect();
            loc.at(
                sp,
                format!("there is no guarantor {g:?} in [[talks.guarantors]] (the guarantors: {})", names.join(", ")),
            )
        })
    };
    let mut tabling = Vec::new();
    for i in &t.tabling {
        let d = i.get_ref();
        let at = minute_before(&loc, &d.day, &d.time, last_end, "tabling", "tabled")?;
        let who = d.by.get_ref();
        let by = match scenario.parties.iter().position(|p| p.name == *who) {
            Some(k) => Tabler::Party(k),
            None => match t.mediators.get_ref().iter().position(|m| m == who) {
                Some(m) => Tabler::Mediator(m),
                None => {
                    let mut names: Vec<&str> = scenario.parties.iter().map(|p| p.name.as_str()).collect();
                    names.extend(t.mediators.get_ref().iter().map(String::as_str));
                    return Err(loc.at(
                        d.by.span(),
                        format!("tabling: `by` must be a party or a mediator ({}), not {who:?}", names.join(", ")),
                    ));
                }
            },
        };
        let issue = issue_index(&loc, space, d.issue.get_ref(), d.issue.span())?;
        if agenda.contains(&issue) {
            return Err(loc.at(
                d.issue.span(),
                format!(
                    "tabling: issue {:?} is already on the agenda; only an item off it can be tabled",
                    d.issue.get_ref()
                ),
            ));
        }
        if let Some(&(_, when)) = tabled.iter().find(|(i, _)| *i == issue) {
            return Err(loc.at(
                d.issue.span(),
                format!("tabling: issue {:?} is already tabled at {}", d.issue.get_ref(), clock(when)),
            ));
        }
        tabled.push((issue, at));
        let guarantor = d.guarantor.as_ref().map(|g| guarantor_of(g.get_ref(), g.span())).transpose()?;
        tabling.push(Tabling { at, by, item: TableItem { issue, guarantor }, text: d.text.clone() });
    }
    let mut drafting = Vec::new();
    if let Some(dr) = &t.drafting {
        drafting = vec![Drafting::Margin; t.mediators.get_ref().len()];
        for (m, rule) in dr.get_ref() {
            let Some(k) = t.mediators.get_ref().iter().position(|x| x == m) else {
                return Err(loc.at(
                    dr.span(),
                    format!(
                        "drafting: {m:?} is not a mediator; the mediators are {}",
                        t.mediators.get_ref().join(", ")
                    ),
                ));
            };
            let rule: Drafting = rule.parse().map_err(|e| loc.at(dr.span(), format!("drafting of {m:?}: {e}")))?;
            if let Drafting::Lean { party, .. } = &rule
                && !scenario.parties.iter().any(|p| p.name == *party)
            {
                return Err(loc.at(dr.span(), format!("drafting of {m:?}: there is no party {party:?} to lean toward")));
            }
            drafting[k] = rule;
        }
    }
    let mut guarantees = Vec::new();
    if let Some(gs) = &t.guarantees {
        for (issue, g) in gs.get_ref() {
            let i = issue_index(&loc, space, issue, gs.span())?;
            if !agenda.contains(&i) {
                return Err(loc.at(
                    gs.span(),
                    format!(
                        "guarantees: issue {issue:?} is not on the agenda; an item tabled later names its guarantor in its `table`"
                    ),
                ));
            }
            guarantees.push((i, guarantor_of(g, gs.span())?));
        }
        guarantees.sort_unstable();
    }
    let mut incidents = Vec::new();
    for i in &t.incidents {
        let d = i.get_ref();
        let at = minute(&loc, &d.day, &d.time)?;
        let issues =
            d.issues.iter().map(|s| issue_index(&loc, space, s.get_ref(), s.span())).collect::<Result<_, _>>()?;
        let mut effects = Vec::new();
        for e in &d.effects {
            effects.push(match e.get_ref() {
                EffectDecl::LowerReservation { party, by } => {
                    if !by.is_finite() {
                        return Err(loc.at(e.span(), "`by` must be a finite number"));
                    }
                    Effect::LowerReservation { party: party_plain(party, e.span())?, by: *by }
                }
                EffectDecl::BreakdownRisk(p) => {
                    if !(0.0..=1.0).contains(p) {
                        return Err(loc.at(e.span(), "breakdown_risk must be a probability in [0, 1]"));
                    }
                    Effect::BreakdownRisk { add: *p }
                }
                EffectDecl::Reopen { party, issues } => Effect::Reopen {
                    party: party_plain(party, e.span())?,
                    issues: issues.iter().map(|s| issue_index(&loc, space, s, e.span())).collect::<Result<_, _>>()?,
                },
            });
        }
        incidents.push(Incident {
            at,
            place: d.place.clone(),
            casualties: d.casualties,
            attributed_to: d.attributed_to.clone(),
            text: d.text.clone(),
            issues,
            effects,
        });
    }
    let baseline = match &t.baseline {
        Some(b) => {
            let bd = b.get_ref();
            let mut clauses = Vec::new();
            for (name, v) in &bd.clauses {
                let i = issue_index(&loc, space, name, b.span())?;
                clauses.push((i, value_index(&loc, space, i, v, b.span())?));
            }
            Some(Baseline { name: bd.name.clone(), clauses })
        }
        None => None,
    };
    let _ = span;
    let mut talks = Talks {
        seed: scenario.seed,
        scenario,
        mediators: t.mediators.into_inner(),
        drafting,
        guarantors,
        guarantees,
        agenda,
        defaults,
        sessions,
        instructions,
        tabling,
        incidents,
        baseline,
        conduct,
        step_minutes: step,
    };
    // `[[parties.changes]]` at relative times > 0 become instructions of the talks (one timeline in minutes).
    talks.adopt_changes().map_err(|e| FormatError::Field {
        file: path.to_path_buf(),
        field: "parties.changes".into(),
        message: e.to_string(),
    })?;
    Ok(talks)
}

// ---------------------------------------------------------------------------
// Writing talks back.

/// Why talks cannot be written as a talks file.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum TalksWriteError {
    #[error(transparent)]
    Scenario(#[from] crate::WriteError),
    #[error("{what}: {field} names {kind} {index}, which does not exist")]
    Dangling { what: String, field: &'static str, kind: &'static str, index: usize },
    #[error("{what}: a reversion outcome has no form in [[talks.instructions]] (only a reversion utility)")]
    ReversionOutcome { what: String },
    #[error("{what}: a red line on a whole outcome has no form in [[talks.instructions]] (only issue = value)")]
    OutcomeRedLine { what: String },
}

/// Writes talks as a talks file (the scenario, then its `[talks]` table) that
/// [`parse_talks`] reads back into talks that run the same round. The talks'
/// seed is written as the scenario's; `[[parties.changes]]` after the start
/// were adopted as instructions when the file was read and are written as
/// `[[talks.instructions]]` (with `set_red_lines` and `quota` where they
/// replace red lines or move a quota).
pub fn write_talks(talks: &Talks) -> Result<String, TalksWriteError> {
    use std::fmt::Write;
    let mut scenario = talks.scenario.clone();
    scenario.seed = talks.seed;
    let mut out = crate::write_scenario(&scenario)?;
    let space = &talks.scenario.space;
    let q = |s: &str| toml::Value::String(s.to_string()).to_string();
    let key = |s: &str| crate::scenario::toml_key(s);
    let dangling = |what: &str, field: &'static str, kind: &'static str, index: usize| TalksWriteError::Dangling {
        what: what.to_string(),
        field,
        kind,
        index,
    };
    let issue_name = |what: &str, i: usize| -> Result<&str, TalksWriteError> {
        space.issues().get(i).map(|x| x.name.as_str()).ok_or_else(|| dangling(what, "issue", "issue", i))
    };
    let value = |what: &str, i: usize, v: u32| -> Result<String, TalksWriteError> {
        let issue = space.issues().get(i).ok_or_else(|| dangling(what, "issue", "issue", i))?;
        let v = issue.value(v).ok_or_else(|| dangling(what, "value", "value", v as usize))?;
        Ok(match v {
            Value::Int(n) => n.to_string(),
            Value::Real(x) => crate::scenario::num(x),
            Value::Text(t) => q(&t),
        })
    };
    let party = |what: &str, k: usize| -> Result<&str, TalksWriteError> {
        talks.scenario.parties.get(k).map(|p| p.name.as_str()).ok_or_else(|| dangling(what, "party", "party", k))
    };
    let guarantor = |what: &str, g: usize| -> Result<&str, TalksWriteError> {
        talks.guarantors.get(g).map(|x| x.name.as_str()).ok_or_else(|| dangling(what, "guarantor", "guarantor", g))
    };
    let when = |at: u64| format!("day = {}\ntime = \"{:02}:{:02}\"", at / DAY + 1, (at % DAY) / HOUR, at % HOUR);
    let list = |xs: Vec<String>| format!("[{}]", xs.join(", "));

    let _ = writeln!(out, "\n[talks]");
    let _ = writeln!(out, "mediators = {}", list(talks.mediators.iter().map(|m| q(m)).collect()));
    let agenda: Vec<String> = talks.agenda.iter().map(|&i| issue_name("agenda", i).map(q)).collect::<Result<_, _>>()?;
    let _ = writeln!(out, "agenda = {}", list(agenda));
    let mut defaults = Vec::new();
    for (i, &v) in talks.defaults.iter().enumerate() {
        defaults.push(format!("{} = {}", key(issue_name("defaults", i)?), value("defaults", i, v)?));
    }
    let _ = writeln!(out, "defaults = {{ {} }}", defaults.join(", "));
    let _ = writeln!(out, "step_minutes = {}", talks.step_minutes);
    if talks.drafting.iter().any(|d| *d != Drafting::Margin) {
        let rules: Vec<String> = talks
            .mediators
            .iter()
            .enumerate()
            .map(|(m, name)| format!("{} = {}", key(name), q(&talks.drafting_of(m).to_string())))
            .collect();
        let _ = writeln!(out, "drafting = {{ {} }}", rules.join(", "));
    }
    if !talks.guarantees.is_empty() {
        let mut items = Vec::new();
        for &(i, g) in &talks.guarantees {
            items.push(format!("{} = {}", key(issue_name("guarantees", i)?), q(guarantor("guarantees", g)?)));
        }
        let _ = writeln!(out, "guarantees = {{ {} }}", items.join(", "));
    }
    for s in &talks.sessions {
        let _ = writeln!(
            out,
            "\n[[talks.sessions]]\nday = {}\nstart = \"{:02}:{:02}\"\nminutes = {}\nlabel = {}",
            s.day,
            (s.start % DAY) / HOUR,
            s.start % HOUR,
            s.minutes,
            q(&s.label)
        );
    }
    for (k, c) in talks.conduct.iter().enumerate() {
        let _ = writeln!(
            out,
            "\n[talks.conduct.{}]\nexponent = {}\ncapital_delay_minutes = {}\nconfided_to_mediators = {}",
            key(party("conduct", k)?),
            crate::scenario::num(c.exponent),
            c.capital_delay,
            c.confided_to_mediators
        );
    }
    for g in &talks.guarantors {
        let _ = writeln!(
            out,
            "\n[[talks.guarantors]]\nname = {}\npresent = {}\nconsents = {}",
            q(&g.name),
            g.present,
            g.consents
        );
    }
    for (n, ins) in talks.instructions.iter().enumerate() {
        let what = format!("instruction {}", n + 1);
        let p = party(&what, ins.party)?;
        let bloc = talks.scenario.parties[ins.party]
            .delegation
            .as_ref()
            .and_then(|d| d.blocs.get(ins.bloc))
            .map(|b| b.bloc.name.clone())
            .ok_or_else(|| dangling(&what, "bloc", "bloc", ins.bloc))?;
        let _ = writeln!(
            out,
            "\n[[talks.instructions]]\n{}\nparty = {}\nbloc = {}\ntext = {}",
            when(ins.at),
            q(p),
            q(&bloc),
            q(&ins.text)
        );
        if let Some(w) = ins.weight {
            let _ = writeln!(out, "weight = {}", crate::scenario::num(w));
        }
        if let Some(v) = ins.veto {
            let _ = writeln!(out, "veto = {v}");
        }
        match ins.reversion {
            Some(Reversion::Utility(r)) => {
                let _ = writeln!(out, "reversion = {}", crate::scenario::num(r));
            }
            Some(Reversion::Outcome(_)) => return Err(TalksWriteError::ReversionOutcome { what }),
            None => {}
        }
        let lines = |rs: &[RedLine]| -> Result<String, TalksWriteError> {
            let mut items = Vec::new();
            for r in rs {
                let RedLine::Value { issue, value: v } = *r else {
                    return Err(TalksWriteError::OutcomeRedLine { what: what.clone() });
                };
                items.push(format!(
                    "{{ issue = {}, value = {} }}",
                    q(issue_name(&what, issue)?),
                    value(&what, issue, v)?
                ));
            }
            Ok(list(items))
        };
        if let Some(rs) = &ins.red_lines {
            let _ = writeln!(out, "set_red_lines = {}", lines(rs)?);
        }
        if !ins.add_red_lines.is_empty() {
            let _ = writeln!(out, "red_lines = {}", lines(&ins.add_red_lines)?);
        }
        if let Some(qv) = ins.quota {
            let _ = writeln!(out, "quota = {}", crate::scenario::num(qv));
        }
        if let Some(t) = &ins.table {
            let mut item = format!("issue = {}", q(issue_name(&what, t.issue)?));
            if let Some(g) = t.guarantor {
                item.push_str(&format!(", guarantor = {}", q(guarantor(&what, g)?)));
            }
            let _ = writeln!(out, "table = {{ {item} }}");
        }
        if let Some(s) = &ins.statement {
            let _ = writeln!(out, "statement = {}", q(s));
        }
    }
    for (n, tb) in talks.tabling.iter().enumerate() {
        let what = format!("tabling {}", n + 1);
        let by = match tb.by {
            Tabler::Party(k) => party(&what, k)?,
            Tabler::Mediator(m) => {
                talks.mediators.get(m).map(String::as_str).ok_or_else(|| dangling(&what, "by", "mediator", m))?
            }
        };
        let _ = writeln!(
            out,
            "\n[[talks.tabling]]\n{}\nby = {}\nissue = {}",
            when(tb.at),
            q(by),
            q(issue_name(&what, tb.item.issue)?)
        );
        if let Some(g) = tb.item.guarantor {
            let _ = writeln!(out, "guarantor = {}", q(guarantor(&what, g)?));
        }
        if let Some(t) = &tb.text {
            let _ = writeln!(out, "text = {}", q(t));
        }
    }
    for (n, inc) in talks.incidents.iter().enumerate() {
        let what = format!("incident {}", n + 1);
        let _ = writeln!(
            out,
            "\n[[talks.incidents]]\n{}\nplace = {}\ncasualties = {}",
            when(inc.at),
            q(&inc.place),
            inc.casualties
        );
        if let Some(a) = &inc.attributed_to {
            let _ = writeln!(out, "attributed_to = {}", q(a));
        }
        let _ = writeln!(out, "text = {}", q(&inc.text));
        let issues: Vec<String> = inc.issues.iter().map(|&i| issue_name(&what, i).map(q)).collect::<Result<_, _>>()?;
        let _ = writeln!(out, "issues = {}", list(issues));
        let mut effects = Vec::new();
        for e in &inc.effects {
            effects.push(match e {
                Effect::LowerReservation { party: k, by } => format!(
                    "{{ lower_reservation = {{ party = {}, by = {} }} }}",
                    q(party(&what, *k)?),
                    crate::scenario::num(*by)
                ),
                Effect::BreakdownRisk { add } => format!("{{ breakdown_risk = {} }}", crate::scenario::num(*add)),
                Effect::Reopen { party: k, issues } => {
                    let names: Vec<String> =
                        issues.iter().map(|&i| issue_name(&what, i).map(q)).collect::<Result<_, _>>()?;
                    format!("{{ reopen = {{ party = {}, issues = {} }} }}", q(party(&what, *k)?), list(names))
                }
            });
        }
        let _ = writeln!(out, "effects = {}", list(effects));
    }
    if let Some(b) = &talks.baseline {
        let mut clauses = Vec::new();
        for &(i, v) in &b.clauses {
            clauses.push(format!("{} = {}", key(issue_name("baseline", i)?), value("baseline", i, v)?));
        }
        let _ = writeln!(out, "\n[talks.baseline]\nname = {}\nclauses = {{ {} }}", q(&b.name), clauses.join(", "));
    }
    Ok(out)
}
