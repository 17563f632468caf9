//! What-if changes: every kind on small hand-made scenarios, checked by hand
//! or against the base scenario; errors; the changes file; hostile input.

use std::path::Path;

use entente_core::blocs::{Delegation, OutcomeSet, RedLine, Reversion, Rule};
use entente_core::{OutcomeSpace, Preferences, UtilityFunction, UtilityTable, Value};
use entente_formats::parse_scenario;
use entente_formats::whatif::parse_changes;
use entente_model::Scenario;
use entente_model::whatif::{
    ChangeApplyError, ChangeSyntaxError, WhatIf, WhatIfError, apply, apply_all, apply_noted, parse_change,
};
use entente_protocols::RunScenario;
use entente_protocols::delegation::PreparedDelegation;
use proptest::prelude::*;

/// Three issues (a: x, y, z; b: 0..=3; c: p, q), 24 outcomes; a unitary
/// party `u` and a delegation `d` of three blocs under a quota, with timed
/// changes.
const SMALL: &str = r#"
name = "small"
[protocol]
n_steps = 30
seed = 3

[[issues]]
name = "a"
values = ["x", "y", "z"]
[[issues]]
name = "b"
min = 0
max = 3
[[issues]]
name = "c"
values = ["p", "q"]

[[parties]]
name = "u"
reservation = 0.3
negotiator = { strategy = "boulware" }
[parties.issues]
a = { weight = 0.5, values = { x = 0.0, y = 0.5, z = 1.0 } }
b = { weight = 0.3, linear = { slope = 0.3333, intercept = 0.0 } }
c = { weight = 0.2, values = [1.0, 0.0] }

[[parties]]
name = "d"
negotiator = { strategy = "conceder" }
[parties.delegation]
rule = "quota"
quota = 0.6

[[parties.blocs]]
name = "k1"
weight = 0.5
veto = true
reversion = 0.4
[parties.blocs.issues]
a = { weight = 0.6, values = { x = 1.0, y = 0.5, z = 0.0 } }
b = { weight = 0.2, linear = { slope = -0.25, intercept = 1.0 } }
c = { weight = 0.2, values = [0.0, 1.0] }

[[parties.blocs]]
name = "k2"
weight = 0.3
reversion_outcome = { a = "y", b = 1, c = "p" }
red_lines = [{ issue = "c", value = "q" }]
bias = 0.05
[parties.blocs.issues]
a = { weight = 0.3, values = [0.2, 1.0, 0.6] }
b = { weight = 0.3, triangular = { start = 0.0, peak = 2.0, end = 4.0 } }
c = { weight = 0.4, values = [0.5, 0.9] }

[[parties.blocs]]
name = "k3"
weight = 0.2
reversion = 0.5
red_lines = [{ outcome = { a = "z", b = 3, c = "p" } }]
[parties.blocs.issues]
a = { weight = 0.1, values = [0.0, 0.0, 1.0] }
b = { weight = 0.8, linear = { slope = 0.25, intercept = 0.0 } }
c = { weight = 0.1, values = [1.0, 1.0] }

[[parties.changes]]
at = 0.5
bloc = "k2"
weight = 0.6
veto = true

[[parties.changes]]
at = 0.7
quota = 0.5
"#;

/// A third, non-linear party (hyper-rectangles over the integer issue b).
const RECTANGLES: &str = r#"
[[parties]]
name = "r"
reservation = 0.1
negotiator = { strategy = "linear" }
[parties.rectangles]
max_utility = 10.0
rectangles = [{ utility = 6.0, includes = [["b", 0, 1]] }, { utility = 4.0, includes = [["b", 1, 3]] }]
"#;

const UNANIMITY: &str = include_str!("../../../scenarios/delegation-unanimity.toml");

fn scenario(text: &str) -> Scenario {
    parse_scenario(text, Path::new("test.toml")).expect("test scenario")
}

fn small() -> Scenario {
    scenario(SMALL)
}

fn changed(s: &Scenario, c: &str) -> Scenario {
    let change = parse_change(c).unwrap_or_else(|e| panic!("{e}"));
    apply(s, &change).unwrap_or_else(|e| panic!("{e}"))
}

fn apply_err(s: &Scenario, c: &str) -> String {
    match apply(s, &parse_change(c).unwrap_or_else(|e| panic!("{e}"))) {
        Ok(_) => panic!("{c} should be refused"),
        Err(e) => e.to_string(),
    }
}

fn delegation<'a>(s: &'a Scenario, party: &str) -> &'a Delegation {
    s.parties.iter().find(|p| p.name == party).and_then(|p| p.delegation.as_ref()).expect("a delegation")
}

fn party_utility<'a>(s: &'a Scenario, party: &str) -> &'a Preferences {
    &s.parties.iter().find(|p| p.name == party).expect("party").utility
}

fn bloc_utility<'a>(s: &'a Scenario, party: &str, bloc: &str) -> &'a Preferences {
    &delegation(s, party).blocs.iter().find(|b| b.bloc.name == bloc).expect("bloc").utility
}

/// Value indices of an outcome given by labels, one per issue.
fn at(space: &OutcomeSpace, labels: &[&str]) -> Vec<u32> {
    let values: Vec<Value> = labels.iter().map(|l| Value::Text(l.to_string())).collect();
    let index = space.index_of_labels(&values).expect("outcome");
    space.values_of(index).expect("values")
}

fn id(space: &OutcomeSpace, labels: &[&str]) -> u32 {
    let values: Vec<Value> = labels.iter().map(|l| Value::Text(l.to_string())).collect();
    space.index_of_labels(&values).expect("outcome") as u32
}

/// Win-set of a delegation under its instructions at the start.
fn win_set(s: &Scenario, party: &str) -> OutcomeSet {
    let p = PreparedDelegation::new(&s.space, delegation(s, party)).expect("prepared");
    p.epochs[0].win_set.clone()
}

/// The bloc-level zone: delegations' win-sets and the others' unitary sets.
fn bloc_zone(s: &Scenario) -> OutcomeSet {
    let n = s.space.cardinality() as usize;
    let mut zone = OutcomeSet::full(n);
    for p in &s.parties {
        let set = match &p.delegation {
            Some(_) => win_set(s, &p.name),
            None => {
                let t = UtilityTable::new(&s.space, &p.utility).expect("table");
                OutcomeSet::from_fn(n, |o| t.utility(o) > p.utility.reservation())
            }
        };
        zone = zone.and(&set);
    }
    zone
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12
}

// ---------------------------------------------------------------------------
// Vetoes.

#[test]
fn removing_a_binding_veto_enlarges_the_bloc_level_zone() {
    let base = scenario(UNANIMITY);
    assert!(bloc_zone(&base).is_empty(), "the example is blocked internally");
    let s = changed(&base, "veto delegation_b.khost off");
    assert!(!delegation(&s, "delegation_b").blocs[2].bloc.veto);
    let zone = bloc_zone(&s);
    assert_eq!(zone.count(), 5);
    assert!(win_set(&base, "delegation_b").is_subset(&win_set(&s, "delegation_b")));
    // kabul's veto is absorbed: removing it changes nothing.
    let s = changed(&base, "veto delegation_b.kabul off");
    assert_eq!(win_set(&s, "delegation_b"), win_set(&base, "delegation_b"));
}

#[test]
fn granting_a_veto_never_enlarges_a_win_set() {
    let base = scenario(UNANIMITY);
    let rules = ["unanimity", "quota:0.5", "quota:0.9", "dominant:kabul", "weighted-sum"];
    let blocs = ["kandahar", "kabul", "khost"];
    for rule in rules {
        for mask in 0..8u32 {
            // Every starting combination of vetoes under every rule.
            let mut s = changed(&base, &format!("rule delegation_b={rule}"));
            for (f, b) in blocs.iter().enumerate() {
                let state = if mask >> f & 1 == 1 { "on" } else { "off" };
                s = changed(&s, &format!("veto delegation_b.{b} {state}"));
            }
            let before = win_set(&s, "delegation_b");
            for b in blocs {
                let after = win_set(&changed(&s, &format!("veto delegation_b.{b} on")), "delegation_b");
                assert!(
                    after.is_subset(&before),
                    "rule {rule}, vetoes {mask:03b}: granting {b} a veto enlarged the win-set"
                );
            }
        }
    }
}

#[test]
fn a_veto_change_holds_for_the_whole_negotiation() {
    let s = small();
    let applied = apply_noted(&s, &parse_change("veto d.k2 off").expect("parses")).expect("applies");
    let d = delegation(&applied.scenario, "d");
    // The timed change at 0.5 keeps its weight but no longer grants a veto.
    assert_eq!(d.changes.len(), 2);
    assert_eq!(d.changes[0].veto, None);
    assert_eq!(d.changes[0].weight, Some(0.6));
    assert!(entente_model::timeline::Timeline::new(d).epochs().iter().all(|e| !e.blocs[1].veto));
    assert!(applied.note.contains("overrides 1 timed change"), "{}", applied.note);
    // Granting it: a veto from the start.
    let s2 = changed(&s, "veto d.k2 on");
    assert!(entente_model::timeline::Timeline::new(delegation(&s2, "d")).epochs().iter().all(|e| e.blocs[1].veto));
}

// ---------------------------------------------------------------------------
// Weights, quota, rule, reversion, reservation, strategy, rounds.

#[test]
fn weights_and_quota_are_checked_as_the_reader_checks_them() {
    let s = small();
    let w = changed(&s, "weight d.k3=0.4");
    let d = delegation(&w, "d");
    assert_eq!(d.blocs[2].bloc.weight, 0.4);
    // The mandate follows: the weight-normalised mean (0.5 u1 + 0.3 u2 + 0.4 u3) / 1.2.
    let o = at(&w.space, &["y", "2", "q"]);
    let expected = (0.5 * bloc_utility(&w, "d", "k1").utility(&o)
        + 0.3 * bloc_utility(&w, "d", "k2").utility(&o)
        + 0.4 * bloc_utility(&w, "d", "k3").utility(&o))
        / 1.2;
    assert!(close(party_utility(&w, "d").utility(&o), expected));
    // Lowering the total below the quota is refused, with a hint.
    let e = apply_err(&s, "weight d.k1=0");
    assert!(e.contains("quota 0.6") && e.contains("total weight 0.5") && e.contains("lower the quota first"), "{e}");
    assert!(apply_err(&s, "weight d.k1=-0.5").contains(">= 0"));
    // Quota: in (0, total weight]; the timed quota change is overridden.
    let q = changed(&s, "quota d=0.8");
    let d = delegation(&q, "d");
    assert_eq!(d.rule, Rule::Quota { quota: 0.8 });
    assert!(d.changes.iter().all(|c| c.quota.is_none()));
    assert!(apply_err(&s, "quota d=1.5").contains("at most the blocs' total weight 1"));
    assert!(apply_err(&s, "quota d=0").contains("above 0"));
    assert!(apply_err(&s, "quota u=0.5").contains("not a delegation"));
    // A lower quota, then weights that would have been too low for the old one.
    let both = apply_all(&s, &[parse_change("quota d=0.3").unwrap(), parse_change("weight d.k1=0").unwrap()]);
    assert!(both.is_ok());
}

#[test]
fn rules_change_by_name() {
    let s = small();
    assert_eq!(delegation(&changed(&s, "rule d=unanimity"), "d").rule, Rule::Unanimity);
    assert_eq!(delegation(&changed(&s, "rule d=weighted-sum"), "d").rule, Rule::WeightedSum);
    assert_eq!(delegation(&changed(&s, "rule d=dominant:k3"), "d").rule, Rule::Dominant { bloc: 2 });
    let e = apply_err(&s, "rule d=dominant:k9");
    assert!(e.contains("no bloc \"k9\"") && e.contains("k1, k2, k3"), "{e}");
    assert!(apply_err(&s, "rule d=quota:2").contains("at most"));
}

#[test]
fn reversion_reservation_strategy_and_rounds() {
    let s = small();
    let r = changed(&s, "reversion d.k2=0.7");
    assert_eq!(delegation(&r, "d").blocs[1].bloc.reversion, Reversion::Utility(0.7));
    // The delegation's reservation is its mandate's reversion: 0.5·0.4 + 0.3·0.7 + 0.2·0.5.
    assert!(close(party_utility(&r, "d").reservation(), 0.5 * 0.4 + 0.3 * 0.7 + 0.2 * 0.5));
    let p = changed(&s, "reservation u=0.55");
    assert_eq!(party_utility(&p, "u").reservation(), 0.55);
    let o = at(&s.space, &["z", "3", "p"]);
    assert_eq!(party_utility(&p, "u").utility(&o), party_utility(&s, "u").utility(&o));
    assert_eq!(party_utility(&changed(&s, "reservation u=none"), "u").reservation(), f64::NEG_INFINITY);
    assert!(apply_err(&s, "reservation d=0.5").contains("reversion d.BLOC=R"));
    let t = changed(&s, "strategy u=tit-for-tat");
    assert_eq!(t.parties[0].strategy.map(|x| x.name()), Some("TitForTat"));
    assert_eq!(changed(&s, "rounds 77").config.n_steps, 77);
    // Reservation of hyper-rectangle preferences.
    let rect = scenario(&format!("{SMALL}{RECTANGLES}"));
    assert_eq!(party_utility(&changed(&rect, "reservation r=0.4"), "r").reservation(), 0.4);
}

#[test]
fn utility_changes_set_a_weight_and_value_utilities() {
    let s = small();
    let c = changed(&s, "utility u c=0.5:0.25,0.75");
    let u = party_utility(&c, "u");
    let o = at(&c.space, &["y", "1", "q"]);
    assert!(close(u.utility(&o), 0.5 * 0.5 + 0.3 * 0.3333 + 0.5 * 0.75));
    let b = changed(&s, "utility d.k3 a=0");
    assert_eq!(bloc_utility(&b, "d", "k3").as_additive().map(|x| x.weights()[0]), Some(0.0));
    assert!(apply_err(&s, "utility d a=1").contains("is a delegation"));
    assert!(apply_err(&s, "utility u c=1:1,2,3").contains("2 value utilities are needed"));
    let rect = scenario(&format!("{SMALL}{RECTANGLES}"));
    assert!(apply_err(&rect, "utility r b=1").contains("not linear additive"));
}

// ---------------------------------------------------------------------------
// Merging blocs.

/// The blocs' utilities written out from the scenario text.
fn u1(a: usize, b: f64, c: usize) -> f64 {
    0.6 * [1.0, 0.5, 0.0][a] + 0.2 * (1.0 - 0.25 * b) + 0.2 * [0.0, 1.0][c]
}
fn u2(a: usize, b: f64, c: usize) -> f64 {
    let tri = if b <= 2.0 { b / 2.0 } else { (4.0 - b) / 2.0 };
    0.05 + 0.3 * [0.2, 1.0, 0.6][a] + 0.3 * tri + 0.4 * [0.5, 0.9][c]
}

#[test]
fn merging_blocs_by_hand() {
    let s = small();
    let m = changed(&s, "merge d.k1+k2 as south");
    let d = delegation(&m, "d");
    let names: Vec<&str> = d.blocs.iter().map(|b| b.bloc.name.as_str()).collect();
    assert_eq!(names, ["south", "k3"]);
    let south = &d.blocs[0];
    assert_eq!(south.bloc.weight, 0.8);
    assert!(south.bloc.veto, "k1 had a veto");
    assert_eq!(south.bloc.red_lines, vec![RedLine::Value { issue: 2, value: 1 }]);
    let (a1, a2) = (0.5 / 0.8, 0.3 / 0.8);
    // The merged utility, outcome by outcome: the weight-weighted average.
    for (labels, (a, b, c)) in [
        (["x", "0", "p"], (0, 0.0, 0)),
        (["y", "2", "q"], (1, 2.0, 1)),
        (["z", "3", "p"], (2, 3.0, 0)),
        (["y", "1", "q"], (1, 1.0, 1)),
    ] {
        let o = at(&m.space, &labels);
        let expected = a1 * u1(a, b, c) + a2 * u2(a, b, c);
        let got = south.utility.utility(&o);
        assert!(close(got, expected), "{labels:?}: {got} != {expected}");
    }
    // It stays linear additive, and its reversion is the average of 0.4 and u2 at the status quo (y, 1, p).
    assert!(south.utility.as_additive().is_some());
    let Reversion::Utility(r) = south.bloc.reversion else { panic!("a utility") };
    assert!(close(r, a1 * 0.4 + a2 * u2(1, 1.0, 0)));
    // k2's timed change (weight 0.6, veto) now moves the merged bloc: weight 0.5 + 0.6, veto any.
    let timed = d.changes.iter().find(|c| c.at == 0.5).expect("translated change");
    assert_eq!(timed.bloc, Some(0));
    assert!(close(timed.weight.unwrap_or(0.0), 1.1));
    assert_eq!(timed.veto, Some(true));
    assert!(d.changes.iter().any(|c| c.at == 0.7 && c.quota == Some(0.5) && c.bloc.is_none()));
    // The delegation's mandate is unchanged in value (0.8 · average = 0.5 u1 + 0.3 u2).
    for o in 0..24u128 {
        let v = m.space.values_of(o).expect("values");
        assert!(close(party_utility(&m, "d").utility(&v), party_utility(&s, "d").utility(&v)));
    }
}

#[test]
fn merging_keeps_a_shared_status_quo_and_follows_a_dominant_bloc() {
    let s = small();
    // k2 and k3 merged, the rule naming k3: it names the merged bloc.
    let r = changed(&changed(&s, "rule d=dominant:k3"), "merge d.k3+k2 as north");
    let d = delegation(&r, "d");
    assert_eq!(d.blocs[1].bloc.name, "north");
    assert_eq!(d.rule, Rule::Dominant { bloc: 1 });
    // Union of an issue red line and an outcome red line.
    assert_eq!(d.blocs[1].bloc.red_lines.len(), 2);
    assert!(!d.blocs[1].bloc.veto);
    // The merged bloc's timed change keeps the merged index (1).
    assert!(d.changes.iter().any(|c| c.bloc == Some(1) && c.veto == Some(true)));
    // Three blocs sharing a status quo keep it as an outcome.
    let shared = scenario(&SMALL.replace("reversion = 0.4\n", "reversion_outcome = { a = \"y\", b = 1, c = \"p\" }\n"));
    let m = changed(&shared, "merge d.k1+k2 as south");
    assert_eq!(delegation(&m, "d").blocs[0].bloc.reversion, Reversion::Outcome(id(&m.space, &["y", "1", "p"])));
    // Errors.
    assert!(apply_err(&s, "merge d.k1+k9 as x").contains("its blocs are k1, k2, k3"));
    assert!(apply_err(&s, "merge d.k1+k2 as k3").contains("already has a bloc \"k3\""));
    assert!(apply_err(&s, "merge u.k1+k2 as x").contains("not a delegation"));
}

// ---------------------------------------------------------------------------
// Issues and values.

/// For every outcome of the changed space, the utility equals the base
/// utility of the outcome `back(new values)`.
fn same_utilities(base: &Scenario, new: &Scenario, back: impl Fn(&[u32]) -> Vec<u32>) {
    let mut prefs: Vec<(String, &Preferences, &Preferences)> = Vec::new();
    for (p, q) in base.parties.iter().zip(&new.parties) {
        prefs.push((p.name.clone(), &p.utility, &q.utility));
        if let (Some(d), Some(e)) = (&p.delegation, &q.delegation) {
            for (b, c) in d.blocs.iter().zip(&e.blocs) {
                prefs.push((b.bloc.name.clone(), &b.utility, &c.utility));
            }
        }
    }
    new.space.for_each_outcome(|v| {
        let old = back(v);
        for (who, p, q) in &prefs {
            let (x, y) = (p.utility(&old), q.utility(v));
            assert!(close(x, y), "{who} at {v:?} (was {old:?}): {y} != {x}");
        }
        true
    });
    for ((who, p, q), party) in prefs.iter().zip(&base.parties) {
        let _ = party;
        assert_eq!(p.reservation(), q.reservation(), "{who}'s reservation");
    }
}

#[test]
fn dropping_an_issue_keeps_the_utilities_of_the_remaining_outcomes() {
    let s = small();
    let d = changed(&s, "drop-issue b=2");
    assert_eq!(d.space.cardinality(), 6);
    same_utilities(&s, &d, |v| vec![v[0], 2, v[1]]);
    let dd = delegation(&d, "d");
    // k2's status quo (y, 1, p) has b = 1: it left the space, its utility stays.
    assert_eq!(dd.blocs[1].bloc.reversion, Reversion::Utility(u2(1, 1.0, 0)));
    // k3's red-line outcome has b = 3: removed. k2's red line on c = q is re-indexed.
    assert!(dd.blocs[2].bloc.red_lines.is_empty());
    assert_eq!(dd.blocs[1].bloc.red_lines, vec![RedLine::Value { issue: 1, value: 1 }]);
    // The delegation's reservation (the mandate's reversion) is unchanged.
    assert!(close(party_utility(&d, "d").reservation(), party_utility(&s, "d").reservation()));

    // Fixed at the status quo's value: the status quo stays an outcome.
    let d1 = changed(&s, "drop-issue b=1");
    assert_eq!(delegation(&d1, "d").blocs[1].bloc.reversion, Reversion::Outcome(id(&d1.space, &["y", "p"])));
    same_utilities(&s, &d1, |v| vec![v[0], 1, v[1]]);
    // Fixed at the red line's value: the red line covers everything, k2 accepts nothing.
    let applied = apply_noted(&s, &parse_change("drop-issue c=q").expect("parses")).expect("applies");
    assert!(applied.note.contains("now covers every outcome"), "{}", applied.note);
    let p = PreparedDelegation::new(&applied.scenario.space, delegation(&applied.scenario, "d")).expect("prepared");
    assert!(p.epochs[0].acceptable[1].is_empty());
    same_utilities(&s, &applied.scenario, |v| vec![v[0], v[1], 1]);
    // Fixed at the outcome red line's values: it stays, re-indexed.
    let d2 = changed(&s, "drop-issue a=z");
    assert_eq!(delegation(&d2, "d").blocs[2].bloc.red_lines, vec![RedLine::Outcome(id(&d2.space, &["3", "p"]))]);
    // Non-linear preferences are evaluated through the fixed value.
    let rect = scenario(&format!("{SMALL}{RECTANGLES}"));
    same_utilities(&rect, &changed(&rect, "drop-issue a=y"), |v| vec![1, v[0], v[1]]);
    same_utilities(&rect, &changed(&rect, "drop-issue b=1"), |v| vec![v[0], 1, v[1]]);
    // The changed scenario negotiates.
    assert!(d.run(None).is_ok());
}

#[test]
fn adding_an_issue_duplicates_every_outcome_at_the_same_utilities() {
    let s = small();
    let a = changed(&s, "add-issue guarantor=none,un,us");
    assert_eq!(a.space.cardinality(), 72);
    same_utilities(&s, &a, |v| v[..3].to_vec());
    let d = delegation(&a, "d");
    // The outcome red line covers every value of the new issue; the status quo takes the first.
    assert_eq!(d.blocs[2].bloc.red_lines.len(), 3);
    assert_eq!(d.blocs[1].bloc.reversion, Reversion::Outcome(id(&a.space, &["y", "1", "p", "none"])));
    // Given weight afterwards, it matters.
    let w = changed(&a, "utility u guarantor=0.4:0,1,0.5");
    let o = at(&w.space, &["x", "0", "p", "un"]);
    assert!(close(party_utility(&w, "u").utility(&o), 0.2 + 0.4));
    assert!(apply_err(&s, "add-issue a=1,2").contains("already an issue \"a\""));
    assert!(apply(&s, &WhatIf::AddIssue { issue: "g".into(), values: vec!["v".into(), "v".into()] }).is_err());
}

#[test]
fn dropping_and_adding_values() {
    let s = small();
    // A discrete value.
    let d = changed(&s, "drop-value a=y");
    assert_eq!(d.space.cardinality(), 16);
    same_utilities(&s, &d, |v| vec![if v[0] == 0 { 0 } else { 2 }, v[1], v[2]]);
    // k2's status quo had a = y: kept as its utility.
    assert_eq!(delegation(&d, "d").blocs[1].bloc.reversion, Reversion::Utility(u2(1, 1.0, 0)));
    // An integer issue losing its maximum stays integer; losing a middle value it becomes discrete.
    let top = changed(&s, "drop-value b=3");
    assert!(matches!(top.space.issues()[1].kind, entente_core::IssueKind::Integer { min: 0, max: 2 }));
    assert!(delegation(&top, "d").blocs[2].bloc.red_lines.is_empty(), "k3's red-line outcome had b = 3");
    same_utilities(&s, &top, |v| v.to_vec());
    let mid = changed(&s, "drop-value b=1");
    assert!(matches!(mid.space.issues()[1].kind, entente_core::IssueKind::Discrete { .. }));
    same_utilities(&s, &mid, |v| vec![v[0], if v[1] == 0 { 0 } else { v[1] + 1 }, v[2]]);
    let rect = scenario(&format!("{SMALL}{RECTANGLES}"));
    same_utilities(&rect, &changed(&rect, "drop-value b=0"), |v| vec![v[0], v[1] + 1, v[2]]);
    // A red line on the dropped value can no longer be crossed.
    let q = changed(&s, "drop-value c=q");
    assert!(delegation(&q, "d").blocs[1].bloc.red_lines.is_empty());
    assert!(apply_err(&q, "drop-value c=p").contains("drop-issue c=p"));

    // A new value: utility 0 for everybody, every old outcome unchanged.
    let n = changed(&s, "add-value a=w");
    assert_eq!(n.space.cardinality(), 32);
    let u = party_utility(&n, "u");
    assert!(close(u.utility(&at(&n.space, &["w", "3", "p"])), 0.3 * 0.3333 * 3.0 + 0.2));
    let back = |v: &[u32]| v.to_vec();
    n.space.for_each_outcome(|v| {
        if v[0] < 3 {
            assert!(close(party_utility(&n, "u").utility(v), party_utility(&s, "u").utility(&back(v))));
            assert!(close(party_utility(&n, "d").utility(v), party_utility(&s, "d").utility(&back(v))));
        }
        true
    });
    assert_eq!(delegation(&n, "d").blocs[2].bloc.red_lines, vec![RedLine::Outcome(id(&n.space, &["z", "3", "p"]))]);
    assert!(apply_err(&s, "add-value b=9").contains("add-value applies to discrete issues"));
    assert!(apply_err(&s, "add-value a=x").contains("already has value \"x\""));
    assert!(apply_err(&rect, "add-value a=w").contains("not linear additive"));
}

// ---------------------------------------------------------------------------
// Errors name the unknown thing and list the choices.

#[test]
fn errors_are_typed_with_the_facts() {
    let s = small();
    match apply(&s, &parse_change("veto nobody.k1 off").unwrap()) {
        Err(WhatIfError::Apply { error: ChangeApplyError::NoParty { party, parties }, .. }) => {
            assert_eq!(party, "nobody");
            assert_eq!(parties, vec!["u".to_string(), "d".to_string()]);
        }
        other => panic!("expected NoParty, got {other:?}"),
    }
    match parse_change("rounds many") {
        Err(WhatIfError::Syntax { error: ChangeSyntaxError::Rounds { text }, .. }) => assert_eq!(text, "many"),
        other => panic!("expected Rounds, got {other:?}"),
    }
}

#[test]
fn unknown_names_are_named_with_the_choices() {
    let s = small();
    let e = apply_err(&s, "veto nobody.k1 off");
    assert!(e.contains("no party \"nobody\"") && e.contains("the parties are u, d"), "{e}");
    let e = apply_err(&s, "veto d.k9 off");
    assert!(e.contains("no bloc \"k9\"") && e.contains("its blocs are k1, k2, k3"), "{e}");
    let e = apply_err(&s, "weight u.k1=1");
    assert!(e.contains("\"u\" is not a delegation") && e.contains("the delegations are d"), "{e}");
    let e = apply_err(&s, "drop-issue zz=1");
    assert!(e.contains("no issue \"zz\"") && e.contains("the issues are a, b, c"), "{e}");
    let e = apply_err(&s, "drop-issue a=w");
    assert!(e.contains("no value \"w\"") && e.contains("its values are x, y, z"), "{e}");
    let e = apply_err(&s, "drop-value b=7");
    assert!(e.contains("no value \"7\"") && e.contains("the integers from 0 to 3"), "{e}");
    let e = apply_err(&s, "strategy nobody=boulware");
    assert!(e.contains("the parties are u, d"), "{e}");
    // The error names the change.
    assert!(e.starts_with("change `strategy nobody=boulware`"), "{e}");
}

#[test]
fn a_party_name_with_a_dot_is_resolved() {
    let s = scenario(&UNANIMITY.replace("delegation_b", "b.gov"));
    let c = changed(&s, "veto b.gov.khost off");
    assert!(!delegation(&c, "b.gov").blocs[2].bloc.veto);
}

// ---------------------------------------------------------------------------
// Syntax.

#[test]
fn the_compact_form_reads_back_what_it_writes() {
    let forms = [
        "veto d.k1 off",
        "veto d.k2 on",
        "weight d.k1=0.25",
        "quota d=0.5",
        "rule d=unanimity",
        "rule d=weighted-sum",
        "rule d=quota:0.7",
        "rule d=dominant:k2",
        "merge d.k1+k2+k3 as all",
        "drop-issue a=x",
        "add-issue g=none,un",
        "drop-value b=2",
        "add-value a=w",
        "reservation u=0.4",
        "reservation u=none",
        "reversion d.k1=0.35",
        "strategy u=conceder",
        "rounds 120",
        "utility u a=0.5",
        "utility d.k1 c=0.3:0.1,0.9",
    ];
    for f in forms {
        let c = parse_change(f).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert_eq!(c.to_string(), f);
        assert_eq!(parse_change(&c.to_string()).expect("reads back"), c);
    }
    // Spellings.
    assert_eq!(
        parse_change("  VETO d.k1=no ").expect("parses"),
        WhatIf::Veto { party: "d".into(), bloc: "k1".into(), veto: false }
    );
    assert_eq!(parse_change("drop_issue a = x").expect("parses").to_string(), "drop-issue a=x");
}

#[test]
fn malformed_changes_say_what_was_expected() {
    for (input, expected) in [
        ("", "empty change"),
        ("veto d.k1 maybe", "expected on or off"),
        ("veto dk1 off", "expected PARTY.BLOC"),
        ("weight d.k1", "expected `weight PARTY.BLOC=W`"),
        ("weight d.k1=heavy", "the weight must be a finite number"),
        ("weight d.k1=inf", "finite"),
        ("quota d=NaN", "finite"),
        ("rule d=majority", "expected a rule"),
        ("merge d.k1+k2", "as NAME"),
        ("merge d.k1 as x", "at least two blocs"),
        ("merge d.k1++k2 as x", "a merged bloc is missing"),
        ("add-issue g=", "a value is missing"),
        ("add-issue g=a,,b", "a value is missing"),
        ("drop-issue =x", "the issue is missing"),
        ("strategy u=clever", "unknown strategy \"clever\""),
        ("rounds many", "rounds must be an integer"),
        ("utility u=1", "expected `utility"),
        ("utility u a=1:x", "a value utility must be a finite number"),
        ("teleport d", "unknown change \"teleport\""),
    ] {
        match parse_change(input) {
            Err(WhatIfError::Syntax { error, .. }) => {
                let message = error.to_string();
                assert!(message.contains(expected), "{input:?}: {message:?} lacks {expected:?}")
            }
            other => panic!("{input:?}: expected a syntax error, got {other:?}"),
        }
    }
}

#[test]
fn the_changes_file() {
    let text = r#"
[[change]]
kind = "veto"
party = "d"
bloc = "k2"
veto = false

[[change]]
kind = "merge"
party = "d"
blocs = ["k1", "k3"]
name = "south"

[[change]]
kind = "rule"
party = "d"
rule = "quota"
quota = 1

[[change]]
change = "drop-issue c=p"

[[change]]
kind = "reservation"
party = "u"
reservation = "none"

[[change]]
kind = "add-issue"
issue = "g"
values = ["none", 2]

[[change]]
kind = "utility"
party = "d"
bloc = "south"
issue = "g"
weight = 0.5
values = [0, 1]
"#;
    let changes = parse_changes(text, Path::new("changes.toml")).unwrap_or_else(|e| panic!("{e}"));
    let forms: Vec<String> = changes.iter().map(|c| c.to_string()).collect();
    assert_eq!(
        forms,
        [
            "veto d.k2 off",
            "merge d.k1+k3 as south",
            "rule d=quota:1",
            "drop-issue c=p",
            "reservation u=none",
            "add-issue g=none,2",
            "utility d.south g=0.5:0,1",
        ]
    );
    let (s, notes) = apply_all(&small(), &changes).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(notes.len(), 7);
    assert_eq!(s.space.cardinality(), 24);
    assert_eq!(delegation(&s, "d").rule, Rule::Quota { quota: 1.0 });

    // Errors: the file, the line and column, the change and what is wrong.
    for (text, expected) in [
        (
            "[[change]]\nkind = \"veto\"\nparty = \"d\"\nbloc = \"k1\"\n",
            "changes.toml:2:8: change 1 (veto): `veto` is missing",
        ),
        (
            "[[change]]\nkind = \"veto\"\nparty = \"d\"\nbloc = \"k1\"\nveto = true\nweight = 1\n",
            "changes.toml:6:10: change 1 (veto): unexpected field `weight`",
        ),
        ("[[change]]\nkind = \"fly\"\n", "changes.toml:2:8: change 1: unknown kind \"fly\""),
        ("[[change]]\nparty = \"d\"\n", "change 1: give `kind"),
        ("[[change]]\nchange = \"veto d.k1\"\n", "changes.toml:2:10: change 1: expected `veto PARTY.BLOC off|on`"),
        ("[[change]]\nchange = \"rounds 3\"\nkind = \"rounds\"\n", "give either `change"),
        (
            "[[change]]\nkind = \"weight\"\nparty = \"d\"\nbloc = \"k1\"\nweight = \"heavy\"\n",
            "`weight` must be a finite number",
        ),
        (
            "[[change]]\nkind = \"rule\"\nparty = \"d\"\nrule = \"quota\"\ndominant = \"k1\"\nquota = 1\n",
            "`dominant` does not belong",
        ),
        ("[[changes]]\nkind = \"rounds\"\n", "changes.toml:1:"),
        ("", "no changes"),
        ("[[change]\n", "changes.toml:1:"),
    ] {
        match parse_changes(text, Path::new("changes.toml")) {
            Err(e) => assert!(e.to_string().contains(expected), "{text:?}: {e} lacks {expected:?}"),
            Ok(c) => panic!("{text:?} should be refused, got {c:?}"),
        }
    }
}

#[test]
fn the_scenario_given_is_left_unchanged_and_runs_are_deterministic() {
    let s = scenario(UNANIMITY);
    let before = format!("{:?}", s.parties[1].delegation);
    let c = changed(&s, "veto delegation_b.khost off");
    assert_eq!(format!("{:?}", s.parties[1].delegation), before);
    let (r1, r2) = (c.run(None).expect("runs"), c.run(None).expect("runs"));
    assert_eq!(serde_json::to_string(&r1).ok(), serde_json::to_string(&r2).ok());
    assert!(r1.agreement.is_some(), "without khost's veto the talks close");
}

// ---------------------------------------------------------------------------
// Hostile input.

fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("veto".to_string()),
        Just("weight".to_string()),
        Just("quota".to_string()),
        Just("rule".to_string()),
        Just("merge".to_string()),
        Just("drop-issue".to_string()),
        Just("add-issue".to_string()),
        Just("drop-value".to_string()),
        Just("add-value".to_string()),
        Just("reservation".to_string()),
        Just("reversion".to_string()),
        Just("strategy".to_string()),
        Just("rounds".to_string()),
        Just("utility".to_string()),
        Just(" ".to_string()),
        Just(".".to_string()),
        Just("=".to_string()),
        Just("+".to_string()),
        Just(",".to_string()),
        Just(":".to_string()),
        Just(" as ".to_string()),
        Just("on".to_string()),
        Just("off".to_string()),
        Just("none".to_string()),
        Just("d".to_string()),
        Just("u".to_string()),
        Just("k1".to_string()),
        Just("k2".to_string()),
        Just("k3".to_string()),
        Just("a".to_string()),
        Just("b".to_string()),
        Just("c".to_string()),
        Just("x".to_string()),
        Just("q".to_string()),
        Just("quota:".to_string()),
        Just("dominant:".to_string()),
        (-3.0f64..3.0).prop_map(|x| format!("{x:.2}")),
        (0u32..6).prop_map(|x| x.to_string()),
        "\\PC{0,4}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_string_parses_or_is_refused_without_panicking(input in "\\PC{0,60}") {
        let _ = parse_change(&input);
        let _ = parse_changes(&input, Path::new("hostile.toml"));
    }

    #[test]
    fn any_changes_file_text_is_read_or_refused(
        lines in proptest::collection::vec(
            prop_oneof![
                Just("[[change]]".to_string()),
                Just("kind = \"veto\"".to_string()),
                Just("kind = \"merge\"".to_string()),
                Just("kind = \"drop-issue\"".to_string()),
                Just("party = \"d\"".to_string()),
                Just("bloc = \"k1\"".to_string()),
                Just("blocs = [\"k1\", 3]".to_string()),
                Just("veto = 1".to_string()),
                Just("weight = -1e999".to_string()),
                Just("value = { x = 1 }".to_string()),
                Just("values = [[1]]".to_string()),
                Just("rounds = -4".to_string()),
                Just("change = \"veto d.k1 on\"".to_string()),
                "\\PC{0,20}",
            ],
            0..12,
        )
    ) {
        let _ = parse_changes(&lines.join("\n"), Path::new("hostile.toml"));
    }

    /// Changes built from the grammar's pieces: parsed, applied and run,
    /// never a panic; an applied change gives a scenario that runs.
    #[test]
    fn pieced_changes_apply_or_are_refused(tokens in proptest::collection::vec(token(), 1..8)) {
        let input: String = tokens.concat();
        let s = small();
        if let Ok(c) = parse_change(&input)
            && let Ok(changed) = apply(&s, &c)
        {
            prop_assert!(changed.run(None).is_ok(), "{input}");
        }
    }
}

fn valid_change() -> impl Strategy<Value = String> {
    let bloc = prop_oneof![Just("k1"), Just("k2"), Just("k3")];
    let issue_value = prop_oneof![
        Just("a=x"),
        Just("a=y"),
        Just("a=z"),
        Just("b=0"),
        Just("b=1"),
        Just("b=3"),
        Just("c=p"),
        Just("c=q")
    ];
    prop_oneof![
        (bloc.clone(), any::<bool>()).prop_map(|(b, v)| format!("veto d.{b} {}", if v { "on" } else { "off" })),
        (bloc.clone(), 0.0f64..1.5).prop_map(|(b, w)| format!("weight d.{b}={w:.3}")),
        (0.05f64..1.5).prop_map(|q| format!("quota d={q:.3}")),
        prop_oneof![
            Just("rule d=unanimity".to_string()),
            Just("rule d=weighted-sum".to_string()),
            (0.05f64..1.0).prop_map(|q| format!("rule d=quota:{q:.3}")),
            bloc.clone().prop_map(|b| format!("rule d=dominant:{b}")),
        ],
        (bloc.clone(), bloc.clone()).prop_map(|(a, b)| format!("merge d.{a}+{b} as m")),
        issue_value.clone().prop_map(|iv| format!("drop-issue {iv}")),
        issue_value.prop_map(|iv| format!("drop-value {iv}")),
        Just("add-issue g=one,two".to_string()),
        Just("add-value a=w".to_string()),
        (-0.5f64..1.5).prop_map(|r| format!("reservation u={r:.3}")),
        (bloc.clone(), -0.5f64..1.5).prop_map(|(b, r)| format!("reversion d.{b}={r:.3}")),
        (bloc, -1.0f64..1.0).prop_map(|(b, w)| format!("utility d.{b} a={w:.3}:0.1,0.2,0.3")),
        (1u32..60).prop_map(|n| format!("rounds {n}")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Sequences of well-formed changes: each applies or is refused with a
    /// message naming it; what applies keeps the reader's invariants
    /// (positive total weight, quota within it, red lines and status quos
    /// inside the space, the mandate recomputed) and negotiates.
    #[test]
    fn well_formed_change_sequences_keep_the_scenario_valid(
        changes in proptest::collection::vec(valid_change(), 1..5)
    ) {
        let mut s = small();
        for text in &changes {
            let c = parse_change(text).map_err(|e| TestCaseError::fail(e.to_string()))?;
            match apply(&s, &c) {
                Ok(next) => s = next,
                Err(e) => {
                    prop_assert!(e.to_string().starts_with(&format!("change `{c}`")), "{e}");
                    continue;
                }
            }
            let d = delegation(&s, "d");
            let total: f64 = d.blocs.iter().map(|b| b.bloc.weight).sum();
            prop_assert!(total > 0.0);
            if let Rule::Quota { quota } = d.rule {
                prop_assert!(quota > 0.0 && quota <= total + 1e-12, "quota {quota}, total {total}");
            }
            if let Rule::Dominant { bloc } = d.rule {
                prop_assert!(bloc < d.blocs.len());
            }
            let n = s.space.cardinality() as u32;
            for b in &d.blocs {
                if let Reversion::Outcome(o) = b.bloc.reversion {
                    prop_assert!(o < n);
                }
                for r in &b.bloc.red_lines {
                    match *r {
                        RedLine::Outcome(o) => prop_assert!(o < n),
                        RedLine::Value { issue, value } => {
                            prop_assert!(issue < s.space.issues().len() && value < s.space.radices()[issue])
                        }
                    }
                }
            }
            for c in &d.changes {
                prop_assert!(c.bloc.is_none_or(|f| f < d.blocs.len()));
            }
            let start = entente_model::timeline::Timeline::new(d).epochs().into_iter().next().map(|e| e.blocs).unwrap_or_default();
            let mandate = d.mandate(&s.space, &start).map_err(|e| TestCaseError::fail(e.to_string()))?;
            s.space.for_each_outcome(|v| {
                assert!(close(mandate.utility(v), party_utility(&s, "d").utility(v)));
                true
            });
            prop_assert!(s.run(None).is_ok(), "{changes:?}");
        }
    }
}
