//! Bargaining solutions on a Pareto frontier, each variant named after the
//! tool whose definition it follows.
//!
//! NegMAS (`negotiation-semantics.md`, "Bargaining solutions and frontier"):
//! searched on NegMAS's frontier (rational points, welfare descending); every
//! point within `1e-12` of the optimum is returned, in frontier order; when a
//! party's range `max_i − d_i` is at most `1e-12`, every frontier point is
//! returned (NegMAS's rule). The disagreement point is
//! [`disagreement`]`(rv_i, min_i)`.
//!
//! GENIUS (`genius-format.md`, "GENIUS analysis definitions"): searched on
//! GENIUS's frontier (every point not strictly dominated, rational or not) in
//! GENIUS order (ascending party-1 utility); the first optimum wins.
//!
//! Floating-point expressions follow the tools: products and sums accumulate
//! left to right in party order.

use serde::{Deserialize, Serialize};

use super::pareto::{FrontierPoint, welfare};
use crate::space::OutcomeIndex;

/// NegMAS's tolerance when it collects every optimal point.
pub const NEGMAS_EPS: f64 = 1e-12;

/// An outcome and its utility for each party.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub utilities: Vec<f64>,
    pub outcome: OutcomeIndex,
}

impl From<&FrontierPoint> for Point {
    fn from(p: &FrontierPoint) -> Self {
        Point { utilities: p.utilities.clone(), outcome: p.outcome }
    }
}

/// NegMAS's disagreement point of one party: the reservation value when it is
/// finite and at least the worst utility, else the worst utility.
pub fn disagreement(reservation: f64, worst: f64) -> f64 {
    if reservation.is_finite() && reservation >= worst { reservation } else { worst }
}

/// What the solutions need to know of each party.
#[derive(Clone, Debug, PartialEq)]
pub struct PartyRange {
    /// Reservation value, `-inf` when none.
    pub reservation: f64,
    /// Worst and best utility over the whole outcome space.
    pub min: f64,
    pub max: f64,
}

impl PartyRange {
    pub fn disagreement(&self) -> f64 {
        disagreement(self.reservation, self.min)
    }
}

/// Every bargaining solution, computed from the two frontiers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Solutions {
    /// NegMAS `nash_points`: maximise `Π_i (u_i − d_i)` over NegMAS's frontier.
    pub nash_negmas: Vec<Point>,
    /// GENIUS: the frontier point maximising `Π_i (u_i − rv_i)`, a missing
    /// reservation value counting as 0; the first maximum wins.
    pub nash_genius: Option<Point>,
    /// Textbook Kalai–Smorodinsky: maximise `min_i (u_i − d_i)/(a_i − d_i)`
    /// over the rational frontier, `a_i` the best utility of party `i` among
    /// rational outcomes (a party with `a_i = d_i` does not constrain); the
    /// first maximum in GENIUS order.
    pub kalai_smorodinsky: Option<Point>,
    /// NegMAS `ks_points`: minimise `max_i r_i − min_i r_i` with
    /// `r_i = (u_i − d_i)/(max_i − d_i)` (`u_i − d_i` when `max_i = d_i`).
    pub ks_negmas: Vec<Point>,
    /// GENIUS "Kalai–Smorodinsky": the frontier point minimising
    /// `Σ_{i<j} |u_i − u_j|` (the equal-utility point); the first minimum wins.
    pub ks_genius: Option<Point>,
    /// NegMAS `kalai_points`, the egalitarian solution: maximise `min_i (u_i − d_i)`.
    pub egalitarian: Vec<Point>,
    /// NegMAS `max_welfare_points`: maximise `Σ_i u_i` over NegMAS's frontier.
    pub max_welfare: Vec<Point>,
    /// GENIUS: the frontier point of largest `Σ_i u_i`; the first maximum wins.
    pub max_welfare_genius: Option<Point>,
}

/// Computes every solution. `genius` is the frontier in GENIUS order (every
/// point not strictly dominated), `negmas` NegMAS's (rational, welfare
/// descending: see [`super::Frontier::negmas`]).
pub fn solve(genius: &[FrontierPoint], negmas: &[FrontierPoint], parties: &[PartyRange]) -> Solutions {
    let d: Vec<f64> = parties.iter().map(PartyRange::disagreement).collect();
    let degenerate = parties.iter().zip(&d).any(|(p, d)| p.max - d <= NEGMAS_EPS);
    let all = || negmas.iter().map(Point::from).collect::<Vec<_>>();

    let nash_negmas = if degenerate {
        all()
    } else {
        best_within(negmas, |u| {
            let mut v = 1.0;
            for (x, d) in u.iter().zip(&d) {
                v *= x - d;
            }
            v
        })
    };
    let egalitarian = if degenerate {
        all()
    } else {
        best_within(negmas, |u| u.iter().zip(&d).map(|(x, d)| x - d).fold(f64::INFINITY, f64::min))
    };
    let ks_negmas = if degenerate {
        all()
    } else {
        best_within(negmas, |u| {
            let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
            for ((x, d), p) in u.iter().zip(&d).zip(parties) {
                let span = p.max - d;
                let r = if span != 0.0 { (x - d) / span } else { x - d };
                lo = lo.min(r);
                hi = hi.max(r);
            }
            -(hi - lo)
        })
    };
    let max_welfare = if degenerate { all() } else { best_within(negmas, welfare) };

    // Textbook KS over the rational frontier, ideal point from it.
    let n = parties.len();
    let mut ideal = vec![f64::NEG_INFINITY; n];
    for p in negmas {
        for (a, &u) in ideal.iter_mut().zip(&p.utilities) {
            *a = a.max(u);
        }
    }
    let rational = |u: &[f64]| u.iter().zip(parties).all(|(x, p)| *x >= p.reservation);
    let kalai_smorodinsky = first_best(genius.iter().filter(|p| rational(&p.utilities)), |u| {
        let mut m = f64::INFINITY;
        for ((x, d), a) in u.iter().zip(&d).zip(&ideal) {
            let span = a - d;
            if span != 0.0 {
                m = m.min((x - d) / span);
            }
        }
        if m == f64::INFINITY { 1.0 } else { m }
    });

    let rv0: Vec<f64> = parties.iter().map(|p| if p.reservation.is_finite() { p.reservation } else { 0.0 }).collect();
    let nash_genius = first_best(genius.iter(), |u| {
        let mut v = 1.0;
        for (x, r) in u.iter().zip(&rv0) {
            v *= x - r;
        }
        v
    });
    let ks_genius = first_best(genius.iter(), |u| -pairwise_gap(u));
    let max_welfare_genius = first_best(genius.iter(), welfare);

    Solutions {
        nash_negmas,
        nash_genius,
        kalai_smorodinsky,
        ks_negmas,
        ks_genius,
        egalitarian,
        max_welfare,
        max_welfare_genius,
    }
}

/// `Σ_{i<j} |u_i − u_j|`, pairs in order (GENIUS's asymmetry).
pub fn pairwise_gap(u: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..u.len() {
        for j in i + 1..u.len() {
            s += (u[i] - u[j]).abs();
        }
    }
    s
}

/// Every point whose value is within [`NEGMAS_EPS`] of the largest, in order.
fn best_within(points: &[FrontierPoint], value: impl Fn(&[f64]) -> f64) -> Vec<Point> {
    let vals: Vec<f64> = points.iter().map(|p| value(&p.utilities)).collect();
    let Some(best) = vals.iter().copied().reduce(f64::max) else { return Vec::new() };
    points.iter().zip(&vals).filter(|(_, v)| **v >= best - NEGMAS_EPS).map(|(p, _)| Point::from(p)).collect()
}

/// The first point of largest value (strictly larger replaces).
fn first_best<'a>(points: impl Iterator<Item = &'a FrontierPoint>, value: impl Fn(&[f64]) -> f64) -> Option<Point> {
    let mut best: Option<(f64, &FrontierPoint)> = None;
    for p in points {
        let v = value(&p.utilities);
        if best.is_none_or(|(b, _)| v > b) {
            best = Some((v, p));
        }
    }
    best.map(|(_, p)| Point::from(p))
}

/// GENIUS opposition, accumulated over outcomes: the smallest Euclidean
/// distance of an outcome to the all-ones point, `sqrt(Σ_i (1 − u_i)²)` (for
/// `n` parties, the `n`-dimensional distance to `(1, …, 1)`).
///
/// The distance is rounded correctly (squares and their sum in double-double
/// precision, then a corrected square root), as Python's `math.dist` and
/// `math.hypot` compute it, which the published reference figures used; the
/// naive `sqrt(e1² + e2²)` can be an ulp off. A naive sum screens the
/// outcomes, so only those within rounding of the best so far pay for the
/// accurate one.
#[derive(Clone, Copy, Debug)]
pub struct NearestToOnes {
    naive: f64,
    best: (f64, f64),
}

impl Default for NearestToOnes {
    fn default() -> Self {
        NearestToOnes { naive: f64::INFINITY, best: (f64::INFINITY, 0.0) }
    }
}

impl NearestToOnes {
    /// Takes one outcome's utilities into account.
    #[inline]
    pub fn push(&mut self, u: impl Iterator<Item = f64> + Clone) {
        let mut s = 0.0;
        for x in u.clone() {
            let e = 1.0 - x;
            s += e * e;
        }
        if s <= self.naive * (1.0 + 1e-12) {
            self.naive = self.naive.min(s);
            let dd = sum_of_squares(u.map(|x| 1.0 - x));
            if dd.0 < self.best.0 || (dd.0 == self.best.0 && dd.1 < self.best.1) {
                self.best = dd;
            }
        }
    }

    /// The smallest distance seen (`None` before any outcome).
    pub fn distance(&self) -> Option<f64> {
        self.best.0.is_finite().then(|| sqrt_dd(self.best))
    }
}

/// `Σ x_i²` as an unevaluated sum `hi + lo` (error about `n · 2^-104` relative).
fn sum_of_squares(xs: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut hi, mut lo) = (0.0f64, 0.0f64);
    for x in xs {
        let p = x * x;
        let q = x.mul_add(x, -p); // exact: x² = p + q
        let s = hi + p;
        let bb = s - hi;
        let t = (hi - (s - bb)) + (p - bb); // exact: hi + p = s + t
        hi = s;
        lo += t + q;
    }
    let s = hi + lo;
    (s, lo - (s - hi))
}

/// `sqrt(hi + lo)` rounded to nearest (up to near-halfway cases).
fn sqrt_dd((hi, lo): (f64, f64)) -> f64 {
    if hi <= 0.0 {
        return 0.0;
    }
    let r = hi.sqrt();
    let p = r * r;
    let q = r.mul_add(r, -p); // r² = p + q exactly
    let resid = ((hi - p) - q) + lo;
    r + resid / (2.0 * r)
}

/// NegMAS `opposition_level` term of one outcome, squared:
/// `Σ_i (1 − u_i / max_i)²` (`(1 − u_i)²` when `max_i = 0`).
#[inline]
pub fn opposition_negmas_sq(u: impl Iterator<Item = f64>, max: &[f64]) -> f64 {
    let mut s = 0.0;
    for (x, &m) in u.zip(max) {
        let e = if m != 0.0 { 1.0 - x / m } else { 1.0 - x };
        s += e * e;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp(u: &[f64], outcome: u128) -> FrontierPoint {
        FrontierPoint { utilities: u.to_vec(), outcome, ties: 1 }
    }

    #[test]
    fn hand_computed_solutions() {
        // frontier (GENIUS order): (0.2, 1.0) (0.6, 0.7) (0.8, 0.5) (1.0, 0.1)
        let genius = vec![fp(&[0.2, 1.0], 0), fp(&[0.6, 0.7], 1), fp(&[0.8, 0.5], 2), fp(&[1.0, 0.1], 3)];
        let parties = vec![
            PartyRange { reservation: 0.3, min: 0.0, max: 1.0 },
            PartyRange { reservation: f64::NEG_INFINITY, min: 0.0, max: 1.0 },
        ];
        let frontier = super::super::Frontier { points: genius.clone() };
        let negmas = frontier.negmas(&[0.3, f64::NEG_INFINITY]);
        // welfare 1.3, 1.2999999999999998, 1.1
        assert_eq!(negmas.iter().map(|p| p.outcome).collect::<Vec<_>>(), vec![2, 1, 3]);
        let s = solve(&genius, &negmas, &parties);
        // d = (0.3, 0.0): products 0.3*0.7=0.21, 0.5*0.5=0.25, 0.7*0.1=0.07
        assert_eq!(s.nash_negmas.iter().map(|p| p.outcome).collect::<Vec<_>>(), vec![2]);
        // GENIUS: rv (0.3, 0): 0.2-0.3<0 → -0.1, 0.21, 0.25, 0.07
        assert_eq!(s.nash_genius.unwrap().outcome, 2);
        // egalitarian: min(u-d): 0.3, 0.5 → (0.6,0.7)? min(0.3,0.7)=0.3; min(0.5,0.5)=0.5; min(0.7,0.1)=0.1
        assert_eq!(s.egalitarian[0].outcome, 2);
        // textbook KS: ideal over rational (1.0, 0.7), d=(0.3,0):
        // (0.6,0.7): min(0.3/0.7, 1)=0.4286; (0.8,0.5): min(0.714, 0.714)=0.714; (1,0.1): 0.1/0.7
        assert_eq!(s.kalai_smorodinsky.unwrap().outcome, 2);
        // NegMAS KS uses max over space (1, 1): (0.6,0.7): r=(0.4286,0.7) gap .27; (0.8,.5): (.714,.5) .214
        assert_eq!(s.ks_negmas[0].outcome, 2);
        // GENIUS KS: |u1-u2| 0.8, 0.1, 0.3, 0.9
        assert_eq!(s.ks_genius.unwrap().outcome, 1);
        // NegMAS keeps both welfares within 1e-12; GENIUS the first strict maximum
        assert_eq!(s.max_welfare.iter().map(|p| p.outcome).collect::<Vec<_>>(), vec![2, 1]);
        assert_eq!(s.max_welfare_genius.unwrap().outcome, 2);
    }

    /// Golden values from Python's `math.dist(u, (1, …, 1))` (correctly
    /// rounded), including the two corpus points where the naive formula is
    /// an ulp off.
    #[test]
    fn opposition_is_rounded_like_python_math_dist() {
        let cases: &[(&[f64], f64)] = &[
            (&[0.32383276483316237, 0.15084917392450192], 1.085476510725988),
            (&[0.8212742919913083, 0.8212742919913083], 0.2527563202106255),
            (&[0.21469818083566172, 0.08594723368917168], 1.2050690464796185),
            (&[0.09071301334386506, 0.42451918914251396], 1.0760952503228438),
            (&[0.9474497007074875, 0.6306259157317371], 0.3730934843772408),
            (&[0.5771029486174987, 0.39668047465078016], 0.7367742976893411),
            (&[0.5566648979370926, 0.5566648979370926], 0.626970514013424),
            (&[0.11779223807836836, 0.30848182410193437], 1.1209317208430505),
            (&[0.10305571244359135, 0.5712043914117922], 0.9941703721820546),
            (&[0.5477444657095578, 0.06278897497332314], 1.0406246074968089),
            (&[0.4964144951134918, 0.9992227712250192], 0.5035861046696662),
            (&[0.5855618635076387, 0.45318437637077535], 0.6861241106565772),
            (&[0.6989944337295713, 0.24409651072215288, 0.574423710258671], 0.9182100056186501),
            (&[0.5251965038114514, 0.8751374955734289, 0.7294452894392176], 0.5605611977395272),
            (&[0.2879377648901865, 0.9801748474925821, 0.11806577825496212], 1.1336814520960248),
            (&[0.4181228217852272, 0.7571409295652494, 0.15198453466050477], 1.056736394790384),
            (&[0.4889631004758056, 0.03920725704743766, 0.6682158565343952], 1.1377003671621166),
            (&[0.7645708662128131, 0.573025940277384, 0.8754778118308882], 0.5032290731448461),
            // anac2015_group9-killer_robot and genius_partydomain (REFERENCE_STATS.json)
            (&[0.8804637238543347, 0.9181757604793683], 0.14485899173990704),
            (&[0.8483333333333334, 0.8564909885811369], 0.20880041699239285),
            (&[1.0, 1.0], 0.0),
        ];
        let mut naive_off = 0;
        for (u, want) in cases {
            let mut near = NearestToOnes::default();
            near.push(u.iter().copied());
            assert_eq!(near.distance(), Some(*want), "{u:?}");
            let naive = u.iter().fold(0.0, |s, x| s + (1.0 - x) * (1.0 - x)).sqrt();
            naive_off += (naive != *want) as usize;
        }
        assert!(naive_off >= 2, "the cases include some the naive formula misses");
        // the nearest of several wins, whatever the order
        let mut near = NearestToOnes::default();
        for u in [[0.5, 0.5], [0.8804637238543347, 0.9181757604793683], [0.9, 0.6]] {
            near.push(u.into_iter());
        }
        assert_eq!(near.distance(), Some(0.14485899173990704));
    }
}
