//! Random bilateral scenarios from a seed (the recipe of `entente bench`):
//! issues `i0..` with values `0..m-1`, per party weights from Dirichlet(1, …, 1)
//! and per issue `m` sorted uniform value utilities, ascending for the first
//! party and descending for the second (opposed on every issue), reservation 0.

use entente_core::{Issue, LinearAdditive, ModelError, OutcomeSpace, ValueFunction};
use entente_model::{Party, SaoConfig, Scenario};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn dirichlet(rng: &mut ChaCha8Rng, n: usize) -> Vec<f64> {
    // 1 - U lies in (0, 1], so the logarithm is finite.
    let e: Vec<f64> = (0..n).map(|_| -(1.0 - rng.random::<f64>()).ln()).collect();
    let s: f64 = e.iter().sum();
    e.into_iter().map(|x| x / s).collect()
}

/// A random opposed bilateral scenario of `n_issues × n_values` outcomes.
pub fn random_scenario(n_issues: usize, n_values: u32, seed: u64, n_steps: u32) -> Result<Scenario, ModelError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let issues: Vec<Issue> =
        (0..n_issues).map(|k| Issue::discrete(format!("i{k}"), (0..n_values).map(|v| v.to_string()))).collect();
    let space = OutcomeSpace::new(issues)?;
    let mut party = |descending: bool| -> Result<LinearAdditive, ModelError> {
        let weights = dirichlet(&mut rng, n_issues);
        let functions = (0..n_issues)
            .map(|_| {
                let mut t: Vec<f64> = (0..n_values).map(|_| rng.random::<f64>()).collect();
                t.sort_by(f64::total_cmp);
                if descending {
                    t.reverse();
                }
                ValueFunction::Table(t)
            })
            .collect();
        LinearAdditive::new(&space, weights, functions, 0.0, 0.0, None)
    };
    let u0 = party(false)?;
    let u1 = party(true)?;
    let parties = [("a", u0), ("b", u1)]
        .into_iter()
        .map(|(name, u)| Party { name: name.into(), utility: u.into(), strategy: None, delegation: None })
        .collect();
    Ok(Scenario {
        name: format!("random-{n_issues}x{n_values}-{seed}"),
        description: None,
        space,
        parties,
        config: SaoConfig { n_steps, time_limit: None },
        seed,
    })
}
