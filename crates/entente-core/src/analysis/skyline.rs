//! The two dominance filters every frontier here is built with, exact or
//! *robust*.
//!
//! `q` robustly dominates `p` when `q_i >= p_i` for every party and
//! `q_i − p_i > delta_i` for at least one. With `delta = 0` that is strict
//! dominance. The additive merge uses `delta > 0` for partial sums whose
//! advantage must survive the rounding of the additions still to come (see
//! [`super::additive`]).
//!
//! Both filters group identical vectors (`==`, so `-0.0` equals `0.0`) and
//! report each surviving group with its members, lowest id first.

use std::cmp::Ordering;

pub(crate) use crate::table::order_key;

/// The value of an [`order_key`] (`0.0` for either zero).
#[inline]
pub(crate) fn from_key(k: u64) -> f64 {
    if k >> 63 == 1 { f64::from_bits(k & !(1 << 63)) } else { f64::from_bits(!k) }
}

/// A two-party candidate: its utilities as order keys and an id.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cand {
    pub k1: u64,
    pub k2: u64,
    pub id: u32,
}

impl Cand {
    #[inline]
    pub fn new(a: f64, b: f64, id: u32) -> Self {
        Cand { k1: order_key(a), k2: order_key(b), id }
    }
}

/// Two parties: sorts `cand` (party 1 descending, party 2 descending, id
/// ascending) and calls `keep` with each run of identical vectors that no
/// candidate robustly dominates, in that order.
///
/// A candidate `p = (a, b)` is robustly dominated iff some `q` has
/// `a_q > a + da` and `b_q >= b`, or `a_q >= a` and `b_q > b + db`. In this
/// order the first kind is a prefix (tracked by a lagging pointer and its
/// running maximum of `b`), the second lies before `p`.
pub(crate) fn sweep_2(cand: &mut [Cand], da: f64, db: f64, mut keep: impl FnMut(&[Cand])) {
    cand.sort_unstable_by(|x, y| y.k1.cmp(&x.k1).then(y.k2.cmp(&x.k2)).then(x.id.cmp(&y.id)));
    let n = cand.len();
    let (mut m_all, mut m1, mut c1) = (f64::NEG_INFINITY, f64::NEG_INFINITY, 0usize);
    let mut i = 0;
    while i < n {
        let (k1, k2) = (cand[i].k1, cand[i].k2);
        let (a, b) = (from_key(k1), from_key(k2));
        let mut j = i + 1;
        while j < n && cand[j].k1 == k1 && cand[j].k2 == k2 {
            j += 1;
        }
        let reach = a + da;
        while c1 < i && from_key(cand[c1].k1) > reach {
            m1 = m1.max(from_key(cand[c1].k2));
            c1 += 1;
        }
        let dominated = m1 >= b || m_all > b + db;
        if !dominated {
            keep(&cand[i..j]);
        }
        m_all = m_all.max(b);
        i = j;
    }
}

/// Any number of parties: sort-filter skyline over `n` items whose utilities
/// are `at(item, party)`. Calls `keep` with each run of identical vectors
/// (ids ascending) that no item robustly dominates (`delta` per party).
///
/// First a few anchors (the items of largest welfare, and of largest welfare
/// plus one party's utility) remove, in one streaming pass, every item they
/// robustly dominate (on random data, most of them). The rest are sorted by
/// welfare, then lexicographically, both descending
/// (rounded sums are monotone, so a dominator never sorts after what it
/// dominates), and compared with the survivors so far: a robust dominator
/// that was itself removed was removed by a survivor that dominates at least
/// as much, so survivors suffice.
pub(crate) fn skyline_n(
    n: usize,
    np: usize,
    at: impl Fn(u32, usize) -> f64,
    delta: &[f64],
    mut keep: impl FnMut(&[u32]),
) {
    assert!(n <= u32::MAX as usize);
    // Prefilter: a few anchors (the items of largest welfare, and of largest
    // welfare plus one party's utility) remove what they robustly dominate in
    // one streaming pass, so that only the rest is sorted. Anchors are items,
    // so this removes nothing the full filter would keep.
    let mut anchors: Vec<(f64, u32)> = vec![(f64::NEG_INFINITY, 0); np + 1];
    for i in 0..n as u32 {
        let mut s = 0.0;
        for p in 0..np {
            s += at(i, p);
        }
        if s > anchors[np].0 {
            anchors[np] = (s, i);
        }
        for (p, a) in anchors[..np].iter_mut().enumerate() {
            let t = s + at(i, p);
            if t > a.0 {
                *a = (t, i);
            }
        }
    }
    let mut avals: Vec<f64> = Vec::new();
    for &(_, a) in &anchors {
        let v: Vec<f64> = (0..np).map(|p| at(a, p)).collect();
        if !avals.chunks_exact(np).any(|w| w == v.as_slice()) {
            avals.extend_from_slice(&v);
        }
    }
    let mut order: Vec<(u64, u32)> = Vec::new();
    for i in 0..n as u32 {
        let beaten = avals.chunks_exact(np).any(|a| {
            let mut gap = false;
            for p in 0..np {
                let x = at(i, p);
                if a[p] < x {
                    return false;
                }
                gap |= a[p] - x > delta[p];
            }
            gap
        });
        if !beaten {
            let mut s = 0.0;
            for p in 0..np {
                s += at(i, p);
            }
            order.push((order_key(s), i));
        }
    }
    let n = order.len();
    let lex = |x: u32, y: u32| {
        for p in 0..np {
            let c = order_key(at(y, p)).cmp(&order_key(at(x, p)));
            if c.is_ne() {
                return c;
            }
        }
        Ordering::Equal
    };
    order.sort_unstable_by(|x, y| y.0.cmp(&x.0).then_with(|| lex(x.1, y.1)).then(x.1.cmp(&y.1)));
    let mut kept: Vec<f64> = Vec::new();
    let mut run: Vec<u32> = Vec::new();
    let mut v = vec![0.0; np];
    let mut i = 0;
    while i < n {
        let first = order[i].1;
        let mut j = i + 1;
        while j < n && lex(first, order[j].1).is_eq() {
            j += 1;
        }
        for (p, x) in v.iter_mut().enumerate() {
            *x = at(first, p);
        }
        let dominated = kept.chunks_exact(np).any(|f| {
            let mut gap = false;
            for p in 0..np {
                if f[p] < v[p] {
                    return false;
                }
                gap |= f[p] - v[p] > delta[p];
            }
            gap
        });
        if !dominated {
            kept.extend_from_slice(&v);
            run.clear();
            run.extend(order[i..j].iter().map(|x| x.1));
            run.sort_unstable();
            keep(&run);
        }
        i = j;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        for x in [-1e300, -2.5, -1e-310, 0.0, 1e-310, 0.25, 1.0, 7e200] {
            assert_eq!(from_key(order_key(x)), x);
        }
        assert_eq!(from_key(order_key(-0.0)).to_bits(), 0.0f64.to_bits());
    }

    #[test]
    fn robust_dominance_needs_a_gap_beyond_delta() {
        // (1.0, 1.0) vs (1.0 - 1e-17-ish, 1.0): gap below delta keeps both
        let a = 1.0 - f64::EPSILON;
        let mut cand = vec![Cand::new(1.0, 1.0, 0), Cand::new(a, 1.0, 1), Cand::new(0.5, 0.5, 2)];
        let mut kept = Vec::new();
        sweep_2(&mut cand, 1e-12, 1e-12, |r| kept.push(r[0].id));
        assert_eq!(kept, vec![0, 1]);
        let mut kept = Vec::new();
        sweep_2(&mut cand, 0.0, 0.0, |r| kept.push(r[0].id));
        assert_eq!(kept, vec![0]);
        let pts = [[1.0, 1.0], [a, 1.0], [0.5, 0.5]];
        let mut kept = Vec::new();
        skyline_n(3, 2, |i, p| pts[i as usize][p], &[1e-12, 1e-12], |r| kept.push(r[0]));
        assert_eq!(kept, vec![0, 1]);
        let mut kept = Vec::new();
        skyline_n(3, 2, |i, p| pts[i as usize][p], &[0.0, 0.0], |r| kept.push(r[0]));
        assert_eq!(kept, vec![0]);
    }
}
