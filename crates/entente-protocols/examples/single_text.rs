//! Mediated single-text talks: two co-mediators hold one text and two parties
//! vote on each change; a bloc at home holds a veto over the final text.
//!
//! Run with `cargo run -p entente-protocols --example single_text`.
//! Every utility below is invented for the example.

use entente_core::{Issue, OutcomeId, OutcomeSpace, UtilityTable};
use entente_protocols::single_text::{Actor, CoMediation, EventKind, ProposalRule, SingleTextConfig};
use entente_protocols::single_text_agents::{
    AnnealingMediator, Measure, MediatorSpec, Objection, SingleTextReport, SingleTextRun, VetoBloc, VoterSpec,
    run_single_text,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let space = OutcomeSpace::new(vec![
        Issue::discrete("withdrawal_km", ["10", "20", "30"]),
        Issue::discrete("within_days", ["30", "60", "90"]),
        Issue::discrete("monitoring", ["none", "joint", "un"]),
        Issue::discrete("guarantor", ["none", "third_state"]),
        Issue::discrete("prisoners", ["none", "partial", "all"]),
    ])?;
    // Utilities of value indices [withdrawal, days, monitoring, guarantor, prisoners], in [0, 1].
    let north = |v: &[u32]| {
        let monitored = v[2] > 0;
        // A deep withdrawal is worth much only if it is monitored (an interdependence).
        let withdrawal = if monitored { v[0] as f64 / 2.0 } else { v[0] as f64 / 6.0 };
        0.35 * withdrawal
            + 0.15 * (2 - v[1]) as f64 / 2.0
            + 0.15 * v[2] as f64 / 2.0
            + 0.15 * v[3] as f64
            + 0.2 * v[4] as f64 / 2.0
    };
    let south = |v: &[u32]| {
        // A guarantor is tolerable only with joint monitoring.
        let guarantor = match (v[3], v[2]) {
            (0, _) => 1.0,
            (_, 1) => 0.8,
            _ => 0.0,
        };
        0.3 * (2 - v[0]) as f64 / 2.0
            + 0.2 * v[1] as f64 / 2.0
            + 0.15 * if v[2] == 1 { 1.0 } else { 0.3 }
            + 0.15 * guarantor
            + 0.2 * if v[4] == 1 { 1.0 } else { 0.4 }
    };
    let hardliners = |v: &[u32]| 0.6 * (2 - v[0]) as f64 / 2.0 + 0.4 * (1 - v[3]) as f64;
    let tabulate = |f: &dyn Fn(&[u32]) -> f64, reservation: f64| -> Result<UtilityTable, Box<dyn std::error::Error>> {
        let n = space.cardinality() as u32;
        let u = (0..n).map(|o| space.values_of(o as u128).map(|v| f(&v))).collect::<Result<Vec<_>, _>>()?;
        Ok(UtilityTable::from_utilities(u, reservation)?)
    };
    let tables = vec![tabulate(&north, 0.45)?, tabulate(&south, 0.45)?];
    let bloc_table = tabulate(&hardliners, f64::NEG_INFINITY)?;
    let veto_blocs = [VetoBloc { name: "south_hardliners", table: &bloc_table, reversion: 0.3, red: None }];
    let names = ["north", "south"];

    let label = |o: OutcomeId| -> String {
        let values = space.labels(o as u128).unwrap_or_default();
        space.issues().iter().zip(values).map(|(i, v)| format!("{}={v}", i.name)).collect::<Vec<_>>().join(", ")
    };
    let summary = |title: &str, r: &SingleTextReport| {
        println!("{title}");
        println!(
            "  {} steps: {} accepted by all, {} kept over rejections, {} discarded",
            r.steps, r.accepted, r.kept, r.rejected
        );
        println!("  final text: {}", label(r.final_text));
        let utilities: Vec<String> = names.iter().zip(&r.utilities).map(|(n, u)| format!("{n} {u:.3}")).collect();
        println!("  utilities: {}; welfare {:.3}", utilities.join(", "), r.final_welfare());
        if r.agreement {
            println!("  agreement: every party and every veto bloc prefers it to its reversion point");
        } else {
            let who: Vec<String> = r
                .objections
                .iter()
                .map(|o| match o {
                    Objection::Party { party, utility, reservation } => {
                        format!("{} ({utility:.3}, reservation {reservation})", names[*party])
                    }
                    Objection::Bloc { name, utility, reversion, .. } => {
                        format!("veto bloc {name} ({utility:.3}, reversion {reversion})")
                    }
                })
                .collect();
            println!("  no agreement: not preferred to the reversion point by {}", who.join(", "));
        }
    };

    let mut config = SingleTextRun {
        protocol: SingleTextConfig {
            n_steps: 100,
            rule: ProposalRule::MediatorMayOverride,
            co_mediation: CoMediation::TakeTurns,
        },
        radices: space.radices().to_vec(),
        initial: Some(0),
    };
    let annealing = MediatorSpec::Annealing { t0: AnnealingMediator::DEFAULT_T0, measure: Measure::Rejections };
    let co_mediators = [annealing, annealing];
    let truthful = [VoterSpec::TRUTHFUL; 2];
    let seed = 0;
    let r = run_single_text(&config, &co_mediators, &truthful, &tables, &veto_blocs, seed)?;

    println!(
        "Two co-mediators (annealing, taking turns), two truthful voters, {} steps, seed {seed}",
        config.protocol.n_steps
    );
    println!("initial text: {}", label(r.texts[0]));
    println!("step  by           votes  result              welfare  text");
    let mut votes = String::new();
    for e in &r.events {
        match e.kind {
            EventKind::Proposed { .. } => votes.clear(),
            EventKind::Voted { accept, .. } => votes.push(if accept { 'y' } else { 'n' }),
            EventKind::Accepted { text } | EventKind::Kept { text, .. } => {
                let by = match e.actor {
                    Actor::Mediator(m) => format!("mediator {m}"),
                    _ => "rule".into(),
                };
                let result =
                    if matches!(e.kind, EventKind::Kept { .. }) { "kept despite a no" } else { "accepted by all" };
                let welfare = r.welfare[e.step as usize + 1];
                println!("{:>4}  {by:<11}  {votes:<5}  {result:<18}  {welfare:>7.3}  {}", e.step, label(text));
            }
            _ => {}
        }
    }
    println!("(proposals discarded: not shown)");
    println!();
    summary("Annealing co-mediators, truthful voters:", &r);

    config.protocol.rule = ProposalRule::Veto;
    let veto =
        run_single_text(&config, &[MediatorSpec::Veto; 2], &[VoterSpec::HillClimbing; 2], &tables, &veto_blocs, seed)?;
    summary("Veto co-mediators, hill-climbing voters (same seed):", &veto);
    Ok(())
}
