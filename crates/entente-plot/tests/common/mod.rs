//! Test data for the figure's tests: random additive domains, a time-based negotiation, and an XML reader for
//! the SVG. Shared by the integration tests and (through `#[path]`) the crate's unit tests; the parent module
//! brings `AnalysisFigure`, `Offer` and `RunFigure` into scope.
#![allow(dead_code)]

use super::{AnalysisFigure, Offer, RunFigure};

/// A deterministic generator for test data (SplitMix64).
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A random linear additive domain with issues of `sizes` values: each party's utilities of every outcome.
/// Party 1's value utilities lean against party 0's, so the parties are opposed as in real domains.
pub fn additive_domain(n: usize, sizes: &[usize], seed: u64) -> Vec<Vec<f64>> {
    let mut rng = Rng(seed);
    let mut weights = vec![vec![0.0; sizes.len()]; n];
    let mut values: Vec<Vec<Vec<f64>>> = vec![Vec::new(); n];
    for p in 0..n {
        let w: Vec<f64> = sizes.iter().map(|_| 0.2 + rng.next()).collect();
        let s: f64 = w.iter().sum();
        weights[p] = w.iter().map(|x| x / s).collect();
        for (k, &m) in sizes.iter().enumerate() {
            let mut v: Vec<f64> = (0..m)
                .map(|x| {
                    let base = x as f64 / (m - 1) as f64;
                    let lean = if p % 2 == 0 { base } else { 1.0 - base };
                    (0.75 * lean + 0.25 * rng.next()).clamp(0.0, 1.0)
                })
                .collect();
            let max = v.iter().cloned().fold(0.0, f64::max);
            v.iter_mut().for_each(|x| *x /= max);
            let _ = k;
            values[p].push(v);
        }
    }
    let count: usize = sizes.iter().product();
    (0..count)
        .map(|mut idx| {
            let mut choice = vec![0; sizes.len()];
            for k in (0..sizes.len()).rev() {
                choice[k] = idx % sizes[k];
                idx /= sizes[k];
            }
            (0..n).map(|p| (0..sizes.len()).map(|k| weights[p][k] * values[p][k][choice[k]]).sum()).collect()
        })
        .collect()
}

pub fn dominates(a: &[f64], b: &[f64]) -> bool {
    a.iter().zip(b).all(|(x, y)| x >= y) && a.iter().zip(b).any(|(x, y)| x > y)
}

pub fn pareto(outcomes: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let mut f: Vec<Vec<f64>> = outcomes.iter().filter(|u| !outcomes.iter().any(|v| dominates(v, u))).cloned().collect();
    f.sort_by(|a, b| a[0].total_cmp(&b[0]));
    f.dedup();
    f
}

pub fn nash(frontier: &[Vec<f64>], res: &[f64]) -> Option<Vec<f64>> {
    frontier
        .iter()
        .filter(|u| u.iter().zip(res).all(|(x, r)| x > r))
        .max_by(|a, b| {
            let pa: f64 = a.iter().zip(res).map(|(x, r)| x - r).product();
            let pb: f64 = b.iter().zip(res).map(|(x, r)| x - r).product();
            pa.total_cmp(&pb)
        })
        .cloned()
}

pub fn ks(frontier: &[Vec<f64>], res: &[f64]) -> Option<Vec<f64>> {
    let n = res.len();
    let best: Vec<f64> = (0..n).map(|p| frontier.iter().map(|u| u[p]).fold(f64::NEG_INFINITY, f64::max)).collect();
    frontier
        .iter()
        .filter(|u| u.iter().zip(res).all(|(x, r)| x >= r))
        .max_by(|a, b| {
            let m = |u: &Vec<f64>| (0..n).map(|p| (u[p] - res[p]) / (best[p] - res[p])).fold(f64::INFINITY, f64::min);
            m(a).total_cmp(&m(b))
        })
        .cloned()
}

/// A time-based negotiation: party p's aspiration is `r + (1 - r)(1 - t^(1/e_p))`; it offers the outcome
/// of least utility to itself at or above it and accepts offers at or above it.
pub fn negotiate(
    outcomes: &[Vec<f64>],
    res: &[f64],
    exps: &[f64],
    steps: u32,
) -> (Vec<Offer>, Option<(Vec<f64>, f64)>) {
    let n = res.len();
    let mut offers = Vec::new();
    for round in 0..steps {
        let t = f64::from(round + 1) / f64::from(steps + 1);
        for p in 0..n {
            let asp = |q: usize| res[q] + (1.0 - res[q]) * (1.0 - t.powf(1.0 / exps[q]));
            let a = asp(p);
            let Some(best) = outcomes
                .iter()
                .filter(|u| u[p] >= a)
                .min_by(|x, y| x[p].total_cmp(&y[p]).then(y[(p + 1) % n].total_cmp(&x[(p + 1) % n])))
            else {
                continue;
            };
            offers.push(Offer { party: p, t, utilities: best.clone() });
            if (0..n).filter(|&q| q != p).all(|q| best[q] >= asp(q)) {
                return (offers, Some((best.clone(), t)));
            }
        }
    }
    (offers, None)
}

/// A figure of a random additive domain of `n` parties; with a time-based negotiation if `with_offers`.
pub fn sample(n: usize, with_offers: bool) -> RunFigure {
    let outcomes = additive_domain(n, &[8, 10, 12], 7 + n as u64);
    let res: Vec<f64> = [0.35, 0.3, 0.25, 0.2].iter().take(n).copied().collect();
    let frontier = pareto(&outcomes);
    let names: Vec<String> = ["buyer", "seller", "bank", "broker"].iter().take(n).map(|s| s.to_string()).collect();
    let (offers, agreement) =
        if with_offers { negotiate(&outcomes, &res, &[0.25, 2.0, 1.0, 0.5][..n], 60) } else { (Vec::new(), None) };
    RunFigure {
        analysis: AnalysisFigure {
            title: format!("Random additive domain, {n} parties"),
            subtitle: Some(format!(
                "{} outcomes · {} Pareto-optimal · {} offers",
                thousands(outcomes.len()),
                frontier.len(),
                offers.len()
            )),
            party_names: names,
            nash: nash(&frontier, &res),
            kalai_smorodinsky: ks(&frontier, &res),
            pareto: frontier,
            outcomes,
            reservations: res.into_iter().map(Some).collect(),
        },
        offers,
        agreement_t: agreement.as_ref().map(|a| a.1),
        agreement: agreement.map(|a| a.0),
    }
}

/// Parses `svg` as XML (panics if it is not well-formed) and returns its number of elements and the
/// contents of its `<text>` elements, trimmed and unescaped.
pub fn parse(svg: &str) -> (usize, Vec<String>) {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(svg);
    let (mut elements, mut texts, mut current) = (0, Vec::new(), None::<String>);
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => break,
            Ok(Event::Start(e)) => {
                elements += 1;
                if e.name().as_ref() == "text" {
                    current = Some(String::new());
                }
            }
            Ok(Event::Empty(_)) => elements += 1,
            Ok(Event::Text(t)) => {
                if let Some(c) = current.as_mut() {
                    c.push_str(&t);
                }
            }
            Ok(Event::GeneralRef(r)) => {
                let ch = match &*r {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    other => panic!("unexpected entity {other}"),
                };
                if let Some(c) = current.as_mut() {
                    c.push_str(ch);
                }
            }
            Ok(Event::End(e)) => {
                if e.name().as_ref() == "text"
                    && let Some(c) = current.take()
                {
                    texts.push(c.trim().to_string());
                }
            }
            Ok(_) => {}
            Err(e) => panic!("the SVG is not well-formed XML at {}: {e}", reader.buffer_position()),
        }
    }
    (elements, texts)
}

pub fn parse_xml(svg: &str) -> usize {
    parse(svg).0
}

pub fn texts(svg: &str) -> Vec<String> {
    parse(svg).1
}

pub fn has_text(svg: &str, s: &str) -> bool {
    texts(svg).iter().any(|t| t == s)
}

pub fn count_text(svg: &str, s: &str) -> usize {
    texts(svg).iter().filter(|t| *t == s).count()
}

pub fn count(svg: &str, needle: &str) -> usize {
    svg.matches(needle).count()
}

pub const OUTCOME_DOT: &str = r##"r="2" opacity="1" fill="#C3C9D1""##;

/// Adds a party named `name` to a figure, with `next()` as its utility of every point.
pub fn add_party(input: &mut RunFigure, name: &str, mut next: impl FnMut() -> f64) {
    input.analysis.party_names.push(name.into());
    for u in input
        .analysis
        .outcomes
        .iter_mut()
        .chain(input.analysis.pareto.iter_mut())
        .chain(input.analysis.nash.iter_mut())
        .chain(input.analysis.kalai_smorodinsky.iter_mut())
        .chain(input.agreement.iter_mut())
        .chain(input.offers.iter_mut().map(|o| &mut o.utilities))
    {
        u.push(next());
    }
    input.analysis.reservations.push(None);
}

/// `n` with thousands separators (as the figure's captions write it).
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (k, c) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
