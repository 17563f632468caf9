//! A non-linear utility function plugs into tables, strategies and the
//! protocol through the `UtilityFunction` trait alone.

use entente_core::{Issue, OutcomeSpace, UtilityFunction, UtilityTable};
use entente_protocols::negotiators::{BuildNegotiator, Prepared, StrategySpec};
use entente_protocols::{EndReason, NoClock, SaoConfig, run_sao_traced};

/// Hyper-rectangle preferences (as in ANAC 2014): each box adds its value when
/// the outcome lies inside it; utility = min(1, sum / max_sum).
#[derive(Debug)]
struct Boxes {
    boxes: Vec<(Vec<(u32, u32)>, f64)>,
    max_sum: f64,
    reservation: f64,
}

impl UtilityFunction for Boxes {
    fn utility(&self, values: &[u32]) -> f64 {
        let sum: f64 = self
            .boxes
            .iter()
            .filter(|(ranges, _)| ranges.iter().zip(values).all(|(&(lo, hi), &v)| lo <= v && v <= hi))
            .map(|(_, w)| w)
            .sum();
        (sum / self.max_sum).min(1.0)
    }
    fn reservation(&self) -> f64 {
        self.reservation
    }
}

#[test]
fn hyper_rectangle_utilities_negotiate() {
    let space = OutcomeSpace::new((0..3).map(|k| Issue::integer(format!("x{k}"), 0, 9)).collect()).unwrap();
    let a = Boxes {
        boxes: vec![
            (vec![(0, 4), (0, 9), (5, 9)], 3.0),
            (vec![(0, 9), (0, 2), (0, 9)], 2.0),
            (vec![(3, 6), (3, 6), (3, 6)], 4.0),
        ],
        max_sum: 7.0,
        reservation: 0.2,
    };
    let b = Boxes {
        boxes: vec![
            (vec![(5, 9), (0, 9), (0, 4)], 3.0),
            (vec![(0, 9), (7, 9), (0, 9)], 2.0),
            (vec![(2, 7), (2, 7), (2, 7)], 4.0),
        ],
        max_sum: 7.0,
        reservation: 0.2,
    };
    let ta = UtilityTable::new(&space, &a).unwrap();
    let tb = UtilityTable::new(&space, &b).unwrap();
    // The table holds exactly what the trait says, in mixed-radix order.
    assert_eq!(ta.utility(space.index_of(&[4, 4, 4]).unwrap() as u32), a.utility(&[4, 4, 4]));
    assert_eq!(ta.max(), 1.0);
    let (pa, pb) = (Prepared::new(ta), Prepared::new(tb));
    let config = SaoConfig { n_steps: 50, time_limit: None };
    let mut negotiators =
        vec![StrategySpec::CONCEDER.build_for(&pa, 0, &config), StrategySpec::BOULWARE.build_for(&pb, 0, &config)];
    let mut trace = Vec::new();
    let out = run_sao_traced(&mut negotiators, config, 1000, &mut NoClock, &mut trace).unwrap();
    // Both like the box around (3..6)^3 ∩ (2..7)^3: they agree there.
    assert_eq!(out.reason, EndReason::Agreement);
    let agreed = space.values_of(out.agreement.unwrap() as u128).unwrap();
    assert!(a.utility(&agreed) >= 0.2 && b.utility(&agreed) >= 0.2, "{agreed:?}");
}
