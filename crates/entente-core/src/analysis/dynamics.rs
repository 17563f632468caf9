//! Measures of how a negotiation moved: step classes of consecutive offers
//! (Hindriks, Jonker, Tykhonov 2007) and the distance of offers to the Pareto
//! frontier and the Nash point over time.

use serde::{Deserialize, Serialize};

use super::measures::{distance, distance_to_nearest};

/// The class of a step from one offer of a party to its next one, by the
/// change of its own utility (Δown) and of the others' (Δother, the mean change
/// of the other parties' utilities).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepClass {
    /// Δown > 0, Δother > 0.
    Fortunate,
    /// Δown > 0, Δother ≤ 0.
    Selfish,
    /// Δown < 0, Δother ≥ 0.
    Concession,
    /// Δown ≤ 0, Δother < 0.
    Unfortunate,
    /// Δown = 0, Δother > 0.
    Nice,
    /// Δown = 0, Δother = 0.
    Silent,
}

/// Counts of each step class (one party's steps).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepCounts {
    pub fortunate: usize,
    pub selfish: usize,
    pub concession: usize,
    pub unfortunate: usize,
    pub nice: usize,
    pub silent: usize,
}

impl StepCounts {
    /// The counts of `steps`.
    pub fn of(steps: &[StepClass]) -> Self {
        let mut c = StepCounts::default();
        for s in steps {
            *match s {
                StepClass::Fortunate => &mut c.fortunate,
                StepClass::Selfish => &mut c.selfish,
                StepClass::Concession => &mut c.concession,
                StepClass::Unfortunate => &mut c.unfortunate,
                StepClass::Nice => &mut c.nice,
                StepClass::Silent => &mut c.silent,
            } += 1;
        }
        c
    }

    /// `(class, count)` in the order of [`StepClass::ALL`].
    pub fn pairs(&self) -> [(StepClass, usize); 6] {
        [
            (StepClass::Fortunate, self.fortunate),
            (StepClass::Selfish, self.selfish),
            (StepClass::Concession, self.concession),
            (StepClass::Unfortunate, self.unfortunate),
            (StepClass::Nice, self.nice),
            (StepClass::Silent, self.silent),
        ]
    }
}

impl StepClass {
    pub const ALL: [StepClass; 6] = [
        StepClass::Fortunate,
        StepClass::Selfish,
        StepClass::Concession,
        StepClass::Unfortunate,
        StepClass::Nice,
        StepClass::Silent,
    ];

    pub fn name(self) -> &'static str {
        match self {
            StepClass::Fortunate => "fortunate",
            StepClass::Selfish => "selfish",
            StepClass::Concession => "concession",
            StepClass::Unfortunate => "unfortunate",
            StepClass::Nice => "nice",
            StepClass::Silent => "silent",
        }
    }
}

/// Changes smaller than this count as no change.
pub const STEP_TOLERANCE: f64 = 1e-12;

/// Classifies a step from its changes of own and others' utility.
pub fn classify(d_own: f64, d_other: f64) -> StepClass {
    let sign = |x: f64| {
        if x > STEP_TOLERANCE {
            1
        } else if x < -STEP_TOLERANCE {
            -1
        } else {
            0
        }
    };
    match (sign(d_own), sign(d_other)) {
        (1, 1) => StepClass::Fortunate,
        (1, _) => StepClass::Selfish,
        (-1, o) if o >= 0 => StepClass::Concession,
        (_, -1) => StepClass::Unfortunate,
        (0, 1) => StepClass::Nice,
        _ => StepClass::Silent,
    }
}

/// Step classes of one party's successive offers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartySteps {
    pub party: usize,
    /// One class per step (offer `k` to offer `k + 1` of this party).
    pub steps: Vec<StepClass>,
    /// Counts in the order of [`StepClass::ALL`].
    pub counts: [usize; 6],
}

/// Step classes of every party. `offers` are `(proposer, utilities of the
/// offer to every party)` in the order they were made.
pub fn step_classes(n_parties: usize, offers: &[(usize, &[f64])]) -> Vec<PartySteps> {
    (0..n_parties)
        .map(|p| {
            let mine: Vec<&[f64]> = offers.iter().filter(|(q, _)| *q == p).map(|(_, u)| *u).collect();
            let steps: Vec<StepClass> = mine
                .windows(2)
                .map(|w| {
                    let d_own = w[1][p] - w[0][p];
                    let others = n_parties.saturating_sub(1).max(1) as f64;
                    let d_other = (0..n_parties).filter(|&q| q != p).map(|q| w[1][q] - w[0][q]).sum::<f64>() / others;
                    classify(d_own, d_other)
                })
                .collect();
            let mut counts = [0; 6];
            for s in &steps {
                if let Some(i) = StepClass::ALL.iter().position(|c| c == s) {
                    counts[i] += 1;
                }
            }
            PartySteps { party: p, steps, counts }
        })
        .collect()
}

/// Distance of each point (an offer's or a text's utilities) to the nearest
/// frontier point and to the Nash point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DistanceOverTime {
    pub t: f64,
    pub pareto: Option<f64>,
    pub nash: Option<f64>,
}

pub fn distances_over_time<'a>(
    points: impl IntoIterator<Item = (f64, &'a [f64])>,
    frontier: &[&[f64]],
    nash: Option<&[f64]>,
) -> Vec<DistanceOverTime> {
    points
        .into_iter()
        .map(|(t, u)| DistanceOverTime {
            t,
            pareto: distance_to_nearest(u, frontier.iter().copied()),
            nash: nash.map(|n| distance(u, n)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_six_classes_partition_the_plane() {
        assert_eq!(classify(0.1, 0.1), StepClass::Fortunate);
        assert_eq!(classify(0.1, 0.0), StepClass::Selfish);
        assert_eq!(classify(0.1, -0.1), StepClass::Selfish);
        assert_eq!(classify(-0.1, 0.1), StepClass::Concession);
        assert_eq!(classify(-0.1, 0.0), StepClass::Concession);
        assert_eq!(classify(-0.1, -0.1), StepClass::Unfortunate);
        assert_eq!(classify(0.0, -0.1), StepClass::Unfortunate);
        assert_eq!(classify(0.0, 0.1), StepClass::Nice);
        assert_eq!(classify(0.0, 0.0), StepClass::Silent);
        assert_eq!(classify(1e-15, -1e-15), StepClass::Silent);
    }

    #[test]
    fn steps_of_a_bilateral_exchange() {
        // Party 0 offers (1, 0), then (0.8, 0.3) [concession], then (0.8, 0.3) [silent],
        // then (0.9, 0.5) [fortunate]; party 1 offers (0.2, 0.9) then (0.1, 0.8) [unfortunate].
        let o = [
            (0, vec![1.0, 0.0]),
            (1, vec![0.2, 0.9]),
            (0, vec![0.8, 0.3]),
            (1, vec![0.1, 0.8]),
            (0, vec![0.8, 0.3]),
            (0, vec![0.9, 0.5]),
        ];
        let offers: Vec<(usize, &[f64])> = o.iter().map(|(p, u)| (*p, &u[..])).collect();
        let s = step_classes(2, &offers);
        assert_eq!(s[0].steps, vec![StepClass::Concession, StepClass::Silent, StepClass::Fortunate]);
        assert_eq!(s[1].steps, vec![StepClass::Unfortunate]);
        assert_eq!(s[0].counts, [1, 0, 1, 0, 0, 1]);
    }

    #[test]
    fn distances_to_frontier_and_nash() {
        let frontier: Vec<&[f64]> = vec![&[1.0, 0.0], &[0.5, 0.5], &[0.0, 1.0]];
        let d = distances_over_time([(0.1, &[0.5, 0.2][..]), (0.2, &[0.5, 0.5][..])], &frontier, Some(&[0.5, 0.5]));
        assert!((d[0].pareto.unwrap() - 0.3).abs() < 1e-12);
        assert_eq!(d[1].pareto, Some(0.0));
        assert_eq!(d[1].nash, Some(0.0));
    }
}
