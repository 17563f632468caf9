//! Random bilateral scenarios from a seed (the recipe of `entente bench`,
//! [`entente_core::synthetic::integrative_bilateral`]): issues `i0..` with
//! values `0..m-1`, per party weights from Dirichlet(1, …, 1) and per issue `m`
//! sorted uniform value utilities, ascending for the first party and
//! descending for the second (opposed on every issue), reservation 0.

use entente_core::ModelError;
use entente_core::synthetic::integrative_bilateral;
use entente_model::{Party, SaoConfig, Scenario};

/// A random opposed bilateral scenario of `n_issues × n_values` outcomes.
pub fn random_scenario(n_issues: usize, n_values: u32, seed: u64, n_steps: u32) -> Result<Scenario, ModelError> {
    let b = integrative_bilateral(n_issues, n_values, seed)?;
    let [u0, u1] = b.ufuns;
    let parties = [("a", u0), ("b", u1)]
        .into_iter()
        .map(|(name, u)| Party { name: name.into(), utility: u.into(), strategy: None, delegation: None })
        .collect();
    Ok(Scenario {
        name: format!("random-{n_issues}x{n_values}-{seed}"),
        description: None,
        space: b.space,
        parties,
        config: SaoConfig { n_steps, time_limit: None },
        seed,
    })
}
