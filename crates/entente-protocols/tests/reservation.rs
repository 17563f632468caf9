//! No strategy accepts an offer below its reservation value unless asked to
//! (issue 9); the random strategy with every probability 0 is refused.

use entente_core::UtilityTable;
use entente_protocols::negotiators::{RandomParams, StrategyOptions};
use entente_protocols::{BuildNegotiator, Prepared, Response, SaoConfig, StrategySpec, TurnInfo};

/// 40 outcomes with utilities spread over [0, 1], in a scrambled order.
fn table(reservation: f64) -> Prepared {
    let u: Vec<f64> = (0..40u32).map(|i| ((i * 17) % 40) as f64 / 39.0).collect();
    let p = Prepared::new(UtilityTable::from_utilities(u, reservation).unwrap());
    p.presort();
    p
}

fn strategies() -> Vec<StrategySpec> {
    let always = RandomParams { p_accept: 1.0, p_reject: 0.0, p_end: 0.0, accept_below_reservation: false };
    let tft = StrategySpec::from_name("tit-for-tat", &StrategyOptions { kindness: Some(1.0), ..Default::default() });
    vec![
        StrategySpec::BOULWARE,
        StrategySpec::LINEAR,
        StrategySpec::CONCEDER,
        StrategySpec::ASPIRATION,
        tft.unwrap(),
        StrategySpec::Tough,
        StrategySpec::Random(RandomParams::default()),
        StrategySpec::Random(always),
    ]
}

#[test]
fn no_strategy_accepts_below_its_reservation_value() {
    for reservation in [0.3, 0.7, 1.5] {
        let prepared = table(reservation);
        let n = prepared.table().len() as u32;
        for spec in strategies() {
            let config = SaoConfig { n_steps: 20, time_limit: None };
            let mut neg = spec.build_for(&prepared, 5, &config);
            for round in 0..20u32 {
                let turn = TurnInfo { round, t: (round as f64 + 1.0) / 21.0 };
                for offer in 0..n {
                    let u = prepared.table().utility(offer);
                    if neg.respond(&turn, offer) == Response::Accept {
                        assert!(u >= reservation, "{} accepted {u} below its reservation {reservation}", spec.name());
                    }
                }
            }
        }
    }
}

#[test]
fn the_random_strategy_offers_and_accepts_below_its_reservation_only_when_asked() {
    let prepared = table(0.5);
    let config = SaoConfig { n_steps: 200, time_limit: None };
    let always = RandomParams { p_accept: 1.0, p_reject: 0.0, p_end: 0.0, accept_below_reservation: false };
    let mut guarded = StrategySpec::Random(always).build_for(&prepared, 3, &config);
    let asked = RandomParams { accept_below_reservation: true, ..always };
    let mut free = StrategySpec::Random(asked).build_for(&prepared, 3, &config);
    let turn = TurnInfo { round: 0, t: 0.5 };
    let low = (0..40).find(|&o| prepared.table().utility(o) < 0.5).unwrap();
    assert_eq!(guarded.respond(&turn, low), Response::Reject);
    assert_eq!(free.respond(&turn, low), Response::Accept);
    let (mut guarded_low, mut free_low) = (0, 0);
    for _ in 0..200 {
        guarded_low += (prepared.table().utility(guarded.propose(&turn).unwrap()) < 0.5) as u32;
        free_low += (prepared.table().utility(free.propose(&turn).unwrap()) < 0.5) as u32;
    }
    assert_eq!(guarded_low, 0, "offers below the reservation value");
    assert!(free_low > 50, "asked to, it offers anything ({free_low} of 200 below)");
}

#[test]
fn random_with_every_probability_zero_is_refused() {
    let zero = StrategyOptions { p_accept: Some(0.0), p_reject: Some(0.0), p_end: Some(0.0), ..Default::default() };
    let e = StrategySpec::from_name("random", &zero).unwrap_err().to_string();
    assert!(e.starts_with("p_accept: p_accept, p_reject and p_end are all 0"), "{e}");
    assert!(e.contains("positive probability"), "{e}");
    let one = StrategyOptions { p_end: Some(0.2), ..zero };
    assert!(StrategySpec::from_name("random", &one).is_ok());
}
