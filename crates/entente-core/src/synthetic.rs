//! Synthetic domains for benchmarks and tournaments: outcome spaces and
//! random utility functions made from a seed, reproducibly (the same seed
//! gives the same numbers on every machine and in every thread).
//!
//! Two recipes:
//! - [`integrative_bilateral`]: the negotiation benchmark's scenarios (issue 2),
//!   after the parity corpus's `bench_common.make_scenario`: issues `i0..` of
//!   values `0..m-1`; per party, weights from Dirichlet(1, …, 1) and per issue
//!   `m` sorted uniform value utilities, ascending for party 0 and descending
//!   for party 1; reservation values 0. Random numbers from ChaCha8 (not numpy:
//!   scenarios of the same kind as NegMAS's, not the same numbers).
//! - the analysis benchmark's utilities (issue 3): [`uniform`] numbers from
//!   [`splitmix64`] streams, which `scripts/negmas_analysis_bench.py` reproduces
//!   exactly, so both tools time the same numbers: [`random_utilities`] of an
//!   enumerated space, and linear additive functions over integer issues
//!   ([`integer_space`], [`additive`], [`random_additive`], [`genius_style`],
//!   [`energy_grid`]).

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::ModelError;
use crate::space::{Issue, OutcomeSpace};
use crate::utility::{LinearAdditive, ValueFunction};

/// A bilateral domain: the space and both parties' utility functions.
#[derive(Clone, Debug, PartialEq)]
pub struct Bilateral {
    pub space: OutcomeSpace,
    pub ufuns: [LinearAdditive; 2],
}

/// Dirichlet(1, …, 1): normalised standard exponentials.
fn dirichlet(rng: &mut ChaCha8Rng, n: usize) -> Vec<f64> {
    // 1 - U lies in (0, 1], so the logarithm is finite.
    let e: Vec<f64> = (0..n).map(|_| -(1.0 - rng.random::<f64>()).ln()).collect();
    let s: f64 = e.iter().sum();
    e.into_iter().map(|x| x / s).collect()
}

/// A random integrative bilateral domain of `n_issues` issues of `n_values`
/// values (see the module documentation).
pub fn integrative_bilateral(n_issues: usize, n_values: u32, seed: u64) -> Result<Bilateral, ModelError> {
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
    Ok(Bilateral { space, ufuns: [u0, u1] })
}

/// SplitMix64, the generator shared with `scripts/negmas_analysis_bench.py`.
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A uniform number in `[0, 1)` from the stream `(seed, party)` at `i`:
/// `(splitmix64(seed << 48 ^ party << 40 ^ i) >> 11) · 2^-53`.
pub fn uniform(seed: u64, party: u64, i: u64) -> f64 {
    (splitmix64((seed << 48) ^ (party << 40) ^ i) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Party `party`'s random utilities of `n` enumerated outcomes.
pub fn random_utilities(seed: u64, party: u64, n: usize) -> Vec<f64> {
    (0..n as u64).map(|i| uniform(seed, party, i)).collect()
}

/// Integer issues `i0..` with values `0..radix-1`.
pub fn integer_space(radices: &[u32]) -> Result<OutcomeSpace, ModelError> {
    OutcomeSpace::new(
        radices.iter().enumerate().map(|(k, &r)| Issue::integer(format!("i{k}"), 0, r as i64 - 1)).collect(),
    )
}

/// Linear additive utilities of `parties` parties: value utility of issue
/// `k`, value `j` for party `p` from `value(p, k, j)`, weights `raw_k / Σ raw`
/// with `raw` from `weight(p, k)`; no reservation value.
pub fn additive(
    space: &OutcomeSpace,
    parties: u64,
    value: impl Fn(u64, usize, u32) -> f64,
    weight: impl Fn(u64, usize) -> f64,
) -> Result<Vec<LinearAdditive>, ModelError> {
    let m = space.issues().len();
    (0..parties)
        .map(|p| {
            let raw: Vec<f64> = (0..m).map(|k| weight(p, k)).collect();
            let mut s = 0.0;
            for x in &raw {
                s += x;
            }
            let weights = raw.iter().map(|x| x / s).collect();
            let functions = space
                .radices()
                .iter()
                .enumerate()
                .map(|(k, &r)| ValueFunction::Table((0..r).map(|j| value(p, k, j)).collect()))
                .collect();
            LinearAdditive::new(space, weights, functions, 0.0, f64::NEG_INFINITY, None)
        })
        .collect()
}

/// Two parties with random value utilities and weights (the numbers of
/// `scripts/negmas_analysis_bench.py --additive`).
pub fn random_additive(seed: u64, space: &OutcomeSpace) -> Result<Vec<LinearAdditive>, ModelError> {
    additive(
        space,
        2,
        |p, k, j| uniform(seed, p, (1 << 36) ^ ((k as u64) << 20) ^ j as u64),
        |p, k| uniform(seed, p, (1 << 37) ^ k as u64),
    )
}

/// GENIUS-style discrete evaluations: integers 1..=`top` divided by the
/// issue's maximum; weights with three decimals, as GENIUS files write them.
pub fn genius_style(
    seed: u64,
    space: &OutcomeSpace,
    parties: u64,
    top: u64,
) -> Result<Vec<LinearAdditive>, ModelError> {
    let radices = space.radices().to_vec();
    let raw = |p: u64, k: usize, j: u32| 1 + splitmix64((seed << 48) ^ (p << 40) ^ ((k as u64) << 20) ^ j as u64) % top;
    additive(
        space,
        parties,
        |p, k, j| {
            let max = (0..radices[k]).map(|jj| raw(p, k, jj)).max().unwrap_or(1);
            raw(p, k, j) as f64 / max as f64
        },
        |p, k| (1 + splitmix64((seed << 48) ^ (p << 40) ^ (1 << 39) ^ k as u64) % 1000) as f64 / 1000.0,
    )
}

/// A domain shaped like `anac2016_AgentHp2_energy_grid`: 8 integer issues of 7
/// values (prices 8..14 ct), two parties with linear evaluations
/// `clamp01(slope·(x − 8) + offset)`, falling for party 0 and rising for party 1.
pub fn energy_grid(seed: u64) -> Result<(OutcomeSpace, Vec<LinearAdditive>), ModelError> {
    let grid = integer_space(&[7; 8])?;
    let slope = |p: u64, k: usize| {
        let s = 0.05 + 0.15 * uniform(seed, p, (1 << 35) ^ k as u64);
        if p == 0 { -s } else { s }
    };
    let ufuns = additive(
        &grid,
        2,
        |p, k, j| {
            let offset = if p == 0 { 1.0 } else { 0.0 };
            (slope(p, k) * j as f64 + offset).clamp(0.0, 1.0)
        },
        |p, k| (1 + splitmix64((seed << 48) ^ (p << 40) ^ (1 << 34) ^ k as u64) % 1000) as f64 / 1000.0,
    )?;
    Ok((grid, ufuns))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::utility::UtilityFunction;

    #[test]
    fn integrative_domains_follow_the_recipe() {
        let s = integrative_bilateral(3, 10, 7).unwrap();
        for (p, u) in s.ufuns.iter().enumerate() {
            assert!((u.weights().iter().sum::<f64>() - 1.0).abs() < 1e-12);
            for f in u.functions() {
                let ValueFunction::Table(t) = f else { panic!("tables expected") };
                assert!(t.iter().all(|x| (0.0..1.0).contains(x)));
                assert!(t.windows(2).all(|w| if p == 0 { w[0] <= w[1] } else { w[0] >= w[1] }));
            }
            assert_eq!(u.reservation(), 0.0);
        }
        let again = integrative_bilateral(3, 10, 7).unwrap();
        assert_eq!(s.ufuns, again.ufuns, "same seed, same scenario");
        assert_ne!(s.ufuns, integrative_bilateral(3, 10, 8).unwrap().ufuns);
    }

    #[test]
    fn splitmix_streams_are_the_scripts() {
        // splitmix64(0) as published with the generator.
        assert_eq!(splitmix64(0), 0xE220_A839_7B1D_CDAF);
        let u = random_utilities(1, 0, 1000);
        assert!(u.iter().all(|x| (0.0..1.0).contains(x)));
        assert_eq!(u[3], uniform(1, 0, 3));
        assert_ne!(random_utilities(1, 1, 4)[..], u[..4]);
    }

    #[test]
    fn additive_domains_are_normalised() {
        let space = integer_space(&[6, 5, 3]).unwrap();
        assert_eq!(space.cardinality(), 90);
        for ufuns in [random_additive(1, &space).unwrap(), genius_style(1, &space, 3, 10).unwrap()] {
            for u in &ufuns {
                assert!((u.weights().iter().sum::<f64>() - 1.0).abs() < 1e-12);
            }
        }
        let g = genius_style(2, &space, 2, 100).unwrap();
        for u in &g {
            for f in u.functions() {
                let ValueFunction::Table(t) = f else { panic!("tables expected") };
                assert_eq!(t.iter().copied().fold(0.0, f64::max), 1.0, "divided by the issue's maximum");
            }
        }
        let (grid, e) = energy_grid(1).unwrap();
        assert_eq!(grid.cardinality(), 7u128.pow(8));
        assert_eq!(e.len(), 2);
    }
}
