//! Bit-exact emulation of `numpy.argsort(a)` (default `kind="quicksort"`) for
//! `float64` arrays, as numpy 2.4.6 computes it on x86-64 with **AVX2**
//! dispatch (`X86_V3`, no AVX-512).
//!
//! NegMAS orders outcomes with `np.argsort(utils)`. Outcomes with equal
//! utilities then come out in an order that depends on the SIMD sort numpy
//! dispatches to, so a re-implementation that wants the same offers must
//! reproduce that order exactly. The golden corpus was produced under AVX2
//! dispatch; on an AVX-512 machine numpy reproduces it with
//! `NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL"`.
//!
//! # The code path emulated
//!
//! `aquicksort_double` (numpy `_core/src/npysort/quicksort.cpp`) calls
//! `np::qsort_simd::ArgQSort_AVX2` (`x86_simd_argsort.dispatch.cpp`), which is
//! `avx2_argsort(arr, arg, n, /*hasnan=*/true)` of Intel's
//! [x86-simd-sort](https://github.com/intel/x86-simd-sort), vendored by numpy.
//! With `vtype = avx2_vector<double>` and `argtype = avx2_vector<uint64_t>`
//! (4 lanes of 64 bits), for `n > 1`:
//!
//! 1. If the array holds a NaN: `std::sort` of the indices with "NaN last"
//!    (`std_argsort_withnan`).
//! 2. If the keys are already non-decreasing (`std::is_sorted`): return the
//!    identity permutation.
//! 3. Otherwise `argsort_(arr, arg, 0, n - 1, max_iters = 2 * floor(log2 n))`,
//!    a quicksort over the index array (`xss-common-argsort.h`):
//!    * `max_iters == 0`: `std::sort` of the range with `arr[a] < arr[b]`
//!      (libstdc++ introsort; emulated exactly here, including its heapsort
//!      fallback and final insertion sort);
//!    * ranges of at most 256 elements: the bitonic key/index network
//!      `argsort_n<vtype, argtype, 256>` (`xss-network-keyvaluesort.hpp`):
//!      the number of 4-lane vectors is halved from 64 while `2 N <= 4 vecs`,
//!      the upper half of the vectors is loaded with a lane mask (padding
//!      lanes hold key `+inf`, index `u64::MAX`), each vector is sorted by
//!      `sort_ymm_64bit`, then merged by `bitonic_fullmerge_n_vec`; on equal
//!      keys a compare-exchange keeps each lane's own index;
//!    * larger ranges: pivot = third smallest of the 4 keys at
//!      `left + k * ((right - left) / 4)`, `k = 1..=4` (`get_pivot_64bit`),
//!      then `argpartition_unrolled<vtype, argtype, 4>`: a scalar prologue
//!      peels `(right - left) % 16` elements (an element `>= pivot` is swapped
//!      with the last one), then 16 elements at a time are split by
//!      `avx2_double_compressstore64` (`avx2-emu-funcs.hpp`): lanes `< pivot`
//!      are packed to the left in lane order, lanes `>= pivot` to the right in
//!      *reverse* lane order, and the whole 4-lane vector is stored at both
//!      the left and the right store point. The block loaded next comes from
//!      the side with less free room. The left part is then sorted unless the
//!      pivot equals the smallest key, the right part unless it equals the
//!      largest.
//!
//! Ranges of 129..=256 elements never reach the non-unrolled `argpartition`,
//! but it is ported too (`partition_unrolled` falls back to it at
//! `<= 128` elements, as upstream does).
//!
//! The port is scalar: every SIMD operation is replaced by its lane-by-lane
//! definition (`_mm256_min_pd(a, b) = a < b ? a : b`, `_CMP_GE_OQ`,
//! `_CMP_EQ_OQ`, blends, `_mm256_permute4x64`), so the result does not depend
//! on the machine it runs on.
//!
//! # Origin and licence
//!
//! This is a port of x86-simd-sort (Copyright (C) 2022 Intel Corporation,
//! BSD-3-Clause; files `src/xss-common-argsort.h`,
//! `src/xss-network-keyvaluesort.hpp`, `src/avx2-64bit-qsort.hpp`,
//! `src/avx2-emu-funcs.hpp`, `src/xss-common-qsort.h`), of numpy's dispatch
//! glue (BSD-3-Clause) and of the algorithm of libstdc++'s `std::sort`
//! (GCC, GPLv3 with the runtime library exception). No source text is copied.

/// Lanes of a 256-bit vector of `f64` / `u64`.
const LANES: usize = 4;
/// `argsort_n<vtype, argtype, 256>`: ranges up to this size use the network.
const NETWORK_MAX: usize = 256;
/// Vectors handled by the largest network (`256 / 4`).
const NETWORK_VECS: usize = NETWORK_MAX / LANES;
/// `argpartition_unrolled<vtype, argtype, 4>`.
const UNROLL: usize = 4;
/// libstdc++ `_S_threshold`.
const STD_SORT_THRESHOLD: usize = 16;

/// Index value of a padding lane (`argtype::zmm_max()`).
const PAD_INDEX: usize = usize::MAX;

/// Returns the permutation `np.argsort(keys)` gives in numpy 2.4.6 under AVX2
/// dispatch (see the module documentation for the exact code path).
///
/// Every `f64` is accepted: NaNs go last (numpy's `std::sort` path), and
/// `±inf`, `-0.0` and `0.0` are ordered exactly as numpy orders them (checked
/// by `scripts/check_npsort.py` and a run with infinities and NaNs mixed in).
///
/// Runs in `O(n log n)`; quicksort levels are bounded by `2 floor(log2 n)`,
/// after which libstdc++'s introsort (itself `O(n log n)`) takes over.
///
/// # Panics
/// If `keys` has more than `u32::MAX` elements.
pub fn numpy_argsort_avx2(keys: &[f64]) -> Vec<u32> {
    let n = keys.len();
    assert!(n <= u32::MAX as usize, "numpy_argsort_avx2: at most u32::MAX keys");
    let mut arg: Vec<usize> = (0..n).collect();
    if n > 1 {
        if keys.iter().any(|k| k.is_nan()) {
            std_sort(&mut arg, |a, b| less_nan_last(keys[a], keys[b]));
        } else if keys.windows(2).any(|w| w[1] < w[0]) {
            // not `std::is_sorted` (keys are NaN-free here)
            let log2 = (usize::BITS - 1 - n.leading_zeros()) as usize;
            argsort_range(keys, &mut arg, 0, n - 1, 2 * log2);
        }
    }
    arg.into_iter().map(|i| i as u32).collect()
}

/// Comparator of `std_argsort_withnan` (ascending, NaNs trailing).
fn less_nan_last(a: f64, b: f64) -> bool {
    match (a.is_nan(), b.is_nan()) {
        (false, false) => a < b,
        (true, true) => false,
        (a_nan, _) => !a_nan,
    }
}

// ---------------------------------------------------------------------------
// The quicksort driver (`argsort_` in xss-common-argsort.h).
// ---------------------------------------------------------------------------

/// Sorts `arg[left..=right]` by `arr[arg[i]]`.
fn argsort_range(arr: &[f64], arg: &mut [usize], left: usize, right: usize, max_iters: usize) {
    if max_iters == 0 {
        std_sort(&mut arg[left..=right], |a, b| arr[a] < arr[b]);
        return;
    }
    if right + 1 - left <= NETWORK_MAX {
        argsort_network(arr, &mut arg[left..=right]);
        return;
    }
    let pivot = pivot_64bit(arr, arg, left, right);
    let (pivot_index, smallest, biggest) = partition_unrolled(arr, arg, left, right + 1, pivot);
    if pivot != smallest {
        argsort_range(arr, arg, left, pivot_index - 1, max_iters - 1);
    }
    if pivot != biggest {
        argsort_range(arr, arg, pivot_index, right, max_iters - 1);
    }
}

/// `get_pivot_64bit` for 4 lanes: the third smallest of four samples
/// (`right` is inclusive).
fn pivot_64bit(arr: &[f64], arg: &[usize], left: usize, right: usize) -> f64 {
    if right - left >= LANES {
        let size = (right - left) / 4;
        let mut s =
            [arr[arg[left + size]], arr[arg[left + 2 * size]], arr[arg[left + 3 * size]], arr[arg[left + 4 * size]]];
        // `vtype::sort_vec` sorts the values; only the value of lane 2 is used,
        // so any correct sort of the four values gives the same pivot.
        sort4_values(&mut s);
        s[2]
    } else {
        arr[arg[right]]
    }
}

/// Sorts four non-NaN values ascending.
fn sort4_values(v: &mut [f64; 4]) {
    for i in 1..4 {
        let mut j = i;
        while j > 0 && v[j] < v[j - 1] {
            v.swap(j, j - 1);
            j -= 1;
        }
    }
}

/// Running minimum / maximum of the keys seen by a partition (the values of
/// `*smallest` / `*biggest`; only compared with the pivot by `!=`).
struct Extremes {
    smallest: f64,
    biggest: f64,
}

impl Extremes {
    fn new() -> Self {
        // vtype::type_max() / type_min()
        Extremes { smallest: f64::INFINITY, biggest: f64::NEG_INFINITY }
    }

    /// `std::min(smallest, x, comp)` / `std::max(biggest, x, comp)`.
    fn scalar(&mut self, x: f64) {
        if x < self.smallest {
            self.smallest = x;
        }
        if self.biggest < x {
            self.biggest = x;
        }
    }

    /// `_mm256_min_pd(curr, min_vec)` / `_mm256_max_pd(curr, max_vec)`.
    fn vector(&mut self, v: &[f64; LANES]) {
        for &x in v {
            self.smallest = if x < self.smallest { x } else { self.smallest };
            self.biggest = if x > self.biggest { x } else { self.biggest };
        }
    }
}

/// A 4-lane index vector with the keys it points to.
#[derive(Clone, Copy)]
struct ArgVec {
    idx: [usize; LANES],
    key: [f64; LANES],
}

impl ArgVec {
    /// `argtype::loadu(arg + at)` and `vtype::i64gather(arr, arg + at)`.
    fn load(arr: &[f64], arg: &[usize], at: usize) -> Self {
        let idx = [arg[at], arg[at + 1], arg[at + 2], arg[at + 3]];
        ArgVec { idx, key: idx.map(|i| arr[i]) }
    }
}

/// `partition_vec_avx2`: splits one vector around the pivot with
/// `avx2_double_compressstore64` and stores the whole permuted vector at
/// `arg[l_store..]` and at `arg[r_end - 4..r_end]`. Returns the number of
/// lanes `>= pivot`.
fn partition_vec(arg: &mut [usize], l_store: usize, r_end: usize, v: &ArgVec, pivot: f64, ext: &mut Extremes) -> usize {
    let mut temp = [0usize; LANES];
    let (mut lo, mut hi) = (0usize, LANES);
    for lane in 0..LANES {
        if v.key[lane] >= pivot {
            hi -= 1;
            temp[hi] = v.idx[lane];
        } else {
            temp[lo] = v.idx[lane];
            lo += 1;
        }
    }
    arg[l_store..l_store + LANES].copy_from_slice(&temp);
    arg[r_end - LANES..r_end].copy_from_slice(&temp);
    ext.vector(&v.key);
    LANES - lo
}

/// Scalar prologue shared by both partitions: peels `count` elements from
/// the left (an element `>= pivot` is swapped with the last element of the
/// range, which shrinks).
fn peel(
    arr: &[f64],
    arg: &mut [usize],
    left: &mut usize,
    right: &mut usize,
    count: usize,
    pivot: f64,
    ext: &mut Extremes,
) {
    for _ in 0..count {
        let x = arr[arg[*left]];
        ext.scalar(x);
        // `!(x < pivot)`; the same as `x >= pivot` without NaNs
        if x >= pivot {
            *right -= 1;
            arg.swap(*left, *right);
        } else {
            *left += 1;
        }
    }
}

/// `argpartition` (one vector at a time) over `arg[left..right)`. Returns the
/// first index of the `>= pivot` part and the extremes of the range.
fn partition(arr: &[f64], arg: &mut [usize], mut left: usize, mut right: usize, pivot: f64) -> (usize, f64, f64) {
    let mut ext = Extremes::new();
    let count = (right - left) % LANES;
    peel(arr, arg, &mut left, &mut right, count, pivot, &mut ext);
    if left == right {
        return (left, ext.smallest, ext.biggest);
    }
    if right - left == LANES {
        let v = ArgVec::load(arr, arg, left);
        let n_ge = partition_vec(arg, left, left + LANES, &v, pivot, &mut ext);
        return (left + (LANES - n_ge), ext.smallest, ext.biggest);
    }
    let vec_left = ArgVec::load(arr, arg, left);
    let vec_right = ArgVec::load(arr, arg, right - LANES);
    let mut r_end = right; // r_store + numlanes
    let mut l_store = left;
    left += LANES;
    right -= LANES;
    while right != left {
        let v = if r_end - right < left - l_store {
            right -= LANES;
            ArgVec::load(arr, arg, right)
        } else {
            let v = ArgVec::load(arr, arg, left);
            left += LANES;
            v
        };
        let n_ge = partition_vec(arg, l_store, r_end, &v, pivot, &mut ext);
        r_end -= n_ge;
        l_store += LANES - n_ge;
    }
    let n_ge = partition_vec(arg, l_store, r_end, &vec_left, pivot, &mut ext);
    l_store += LANES - n_ge;
    let n_ge = partition_vec(arg, l_store, l_store + LANES, &vec_right, pivot, &mut ext);
    l_store += LANES - n_ge;
    (l_store, ext.smallest, ext.biggest)
}

/// `argpartition_unrolled<vtype, argtype, 4>` over `arg[left..right)`.
fn partition_unrolled(
    arr: &[f64],
    arg: &mut [usize],
    mut left: usize,
    mut right: usize,
    pivot: f64,
) -> (usize, f64, f64) {
    const BLOCK: usize = UNROLL * LANES;
    if right - left <= 8 * BLOCK {
        return partition(arr, arg, left, right, pivot);
    }
    let mut ext = Extremes::new();
    let count = (right - left) % BLOCK;
    peel(arr, arg, &mut left, &mut right, count, pivot, &mut ext);
    if left == right {
        return (left, ext.smallest, ext.biggest);
    }
    let vec_left: [ArgVec; UNROLL] = std::array::from_fn(|ii| ArgVec::load(arr, arg, left + LANES * ii));
    let vec_right: [ArgVec; UNROLL] = std::array::from_fn(|ii| ArgVec::load(arr, arg, right - LANES * (UNROLL - ii)));
    let mut r_end = right; // r_store + numlanes
    let mut l_store = left;
    left += BLOCK;
    right -= BLOCK;
    while right != left {
        let block: [ArgVec; UNROLL] = if r_end - right < left - l_store {
            right -= BLOCK;
            std::array::from_fn(|ii| ArgVec::load(arr, arg, right + ii * LANES))
        } else {
            let b = std::array::from_fn(|ii| ArgVec::load(arr, arg, left + ii * LANES));
            left += BLOCK;
            b
        };
        for v in &block {
            let n_ge = partition_vec(arg, l_store, r_end, v, pivot, &mut ext);
            l_store += LANES - n_ge;
            r_end -= n_ge;
        }
    }
    for v in vec_left.iter().chain(vec_right.iter()) {
        let n_ge = partition_vec(arg, l_store, r_end, v, pivot, &mut ext);
        l_store += LANES - n_ge;
        r_end -= n_ge;
    }
    (l_store, ext.smallest, ext.biggest)
}

// ---------------------------------------------------------------------------
// The bitonic key/index network (`argsort_n` in xss-network-keyvaluesort.hpp).
// ---------------------------------------------------------------------------

/// `_mm256_permute4x64` patterns: output lane `l` takes input lane `p[l]`.
const SWAP2: [usize; LANES] = [1, 0, 3, 2];
const SWAP4: [usize; LANES] = [2, 3, 0, 1];
const REVERSE: [usize; LANES] = [3, 2, 1, 0];
/// Blend masks (`_mm256_set_epi64x(-1, 0, -1, 0)` and `(-1, -1, 0, 0)`).
const MASK_AA: [bool; LANES] = [false, true, false, true];
const MASK_CC: [bool; LANES] = [false, false, true, true];

/// `_mm256_min_pd(a, b)`.
#[inline]
fn min_pd(a: f64, b: f64) -> f64 {
    if a < b { a } else { b }
}

/// `_mm256_max_pd(a, b)`.
#[inline]
fn max_pd(a: f64, b: f64) -> f64 {
    if a > b { a } else { b }
}

#[inline]
fn permute<T: Copy>(v: &[T; LANES], p: [usize; LANES]) -> [T; LANES] {
    [v[p[0]], v[p[1]], v[p[2]], v[p[3]]]
}

/// Key/index `cmp_merge(in1, permuted in1, mask)`: lanes with `mask` take the
/// max, the others the min; a lane keeps its own index iff its new key equals
/// its old key.
fn cmp_merge(v: &mut ArgVec, p: [usize; LANES], mask: [bool; LANES]) {
    let key2 = permute(&v.key, p);
    let idx2 = permute(&v.idx, p);
    for lane in 0..LANES {
        let (own, other) = (v.key[lane], key2[lane]);
        let merged = if mask[lane] { max_pd(other, own) } else { min_pd(other, own) };
        if merged != own {
            v.idx[lane] = idx2[lane];
        }
        v.key[lane] = merged;
    }
}

/// `sort_ymm_64bit` (key/index version): sorts one vector.
fn sort_vec(v: &mut ArgVec) {
    cmp_merge(v, SWAP2, MASK_AA);
    cmp_merge(v, REVERSE, MASK_CC);
    cmp_merge(v, SWAP2, MASK_AA);
}

/// `bitonic_merge_ymm_64bit`: sorts one bitonic vector.
fn bitonic_merge_vec(v: &mut ArgVec) {
    cmp_merge(v, SWAP4, MASK_CC);
    cmp_merge(v, SWAP2, MASK_AA);
}

/// Key/index `COEX(a, b)`: lane-wise `a = min`, `b = max`; indices follow,
/// and equal keys keep their indices.
fn coex(a: &mut ArgVec, b: &mut ArgVec) {
    for lane in 0..LANES {
        let (k1, k2) = (a.key[lane], b.key[lane]);
        let lo = min_pd(k1, k2);
        let hi = max_pd(k1, k2);
        if lo != k1 {
            std::mem::swap(&mut a.idx[lane], &mut b.idx[lane]);
        }
        a.key[lane] = lo;
        b.key[lane] = hi;
    }
}

fn reverse(v: &mut ArgVec) {
    v.key = permute(&v.key, REVERSE);
    v.idx = permute(&v.idx, REVERSE);
}

/// `coex` of `vecs[i]` and `vecs[j]`, `i < j`.
fn coex_at(vecs: &mut [ArgVec], i: usize, j: usize) {
    let (lo, hi) = vecs.split_at_mut(j);
    coex(&mut lo[i], &mut hi[0]);
}

/// `bitonic_merge_n_vec<numVecs>` on `vecs` (two sorted halves).
fn bitonic_merge_n_vec(vecs: &mut [ArgVec]) {
    let m = vecs.len();
    for i in 0..m / 2 {
        let j = m - i - 1;
        reverse(&mut vecs[j]);
        coex_at(vecs, i, j);
        reverse(&mut vecs[j]);
    }
    // bitonic_clean_n_vec
    let mut num = m / 2;
    while num >= 2 {
        for j in (0..m).step_by(num) {
            for i in 0..num / 2 {
                coex_at(vecs, i + j, i + j + num / 2);
            }
        }
        num /= 2;
    }
    for v in vecs.iter_mut() {
        bitonic_merge_vec(v);
    }
}

/// `argsort_n_vec`: sorts `idx` (at most 256 indices) by `arr[idx[i]]`.
fn argsort_network(arr: &[f64], idx: &mut [usize]) {
    let n = idx.len();
    debug_assert!(n <= NETWORK_MAX);
    let mut num_vecs = NETWORK_VECS;
    while num_vecs > 1 && n * 2 <= num_vecs * LANES {
        num_vecs /= 2;
    }
    let half = num_vecs / 2;
    let mut vecs = [ArgVec { idx: [PAD_INDEX; LANES], key: [f64::INFINITY; LANES] }; NETWORK_VECS];
    let vecs = &mut vecs[..num_vecs];
    for (i, v) in vecs.iter_mut().enumerate() {
        for lane in 0..LANES {
            let at = i * LANES + lane;
            // The first half is loaded unmasked (it is always full), the
            // rest with a lane mask; padding keeps (+inf, u64::MAX).
            if i < half || at < n {
                v.idx[lane] = idx[at];
                v.key[lane] = arr[idx[at]];
            }
        }
    }
    for v in vecs.iter_mut() {
        sort_vec(v);
    }
    // bitonic_fullmerge_n_vec
    let mut per = 2;
    while per <= num_vecs {
        for chunk in vecs.chunks_mut(per) {
            bitonic_merge_n_vec(chunk);
        }
        per *= 2;
    }
    for (i, v) in vecs.iter().enumerate() {
        for lane in 0..LANES {
            let at = i * LANES + lane;
            if at < n {
                idx[at] = v.idx[lane];
            }
        }
    }
}

// ---------------------------------------------------------------------------
// libstdc++ `std::sort` (introsort), used when the quicksort runs out of
// iterations and for arrays with NaNs.
// ---------------------------------------------------------------------------

/// `std::sort(v.begin(), v.end(), less)` as implemented by libstdc++.
fn std_sort<F: Fn(usize, usize) -> bool>(v: &mut [usize], less: F) {
    let n = v.len();
    if n == 0 {
        return;
    }
    let log2 = (usize::BITS - 1 - n.leading_zeros()) as usize;
    introsort_loop(v, 2 * log2, &less);
    final_insertion_sort(v, &less);
}

fn introsort_loop<F: Fn(usize, usize) -> bool>(v: &mut [usize], mut depth_limit: usize, less: &F) {
    let mut last = v.len();
    while last > STD_SORT_THRESHOLD {
        if depth_limit == 0 {
            heap_sort(&mut v[..last], less);
            return;
        }
        depth_limit -= 1;
        let cut = unguarded_partition_pivot(&mut v[..last], less);
        introsort_loop(&mut v[cut..last], depth_limit, less);
        last = cut;
    }
}

/// `__move_median_to_first(result, a, b, c)`.
fn move_median_to_first<F: Fn(usize, usize) -> bool>(
    v: &mut [usize],
    result: usize,
    a: usize,
    b: usize,
    c: usize,
    less: &F,
) {
    let lt = |x: usize, y: usize| less(v[x], v[y]);
    let pick = if lt(a, b) {
        if lt(b, c) {
            b
        } else if lt(a, c) {
            c
        } else {
            a
        }
    } else if lt(a, c) {
        a
    } else if lt(b, c) {
        c
    } else {
        b
    };
    v.swap(result, pick);
}

/// `__unguarded_partition_pivot`: median of three moved to the front, then
/// Hoare partition of `v[1..]` around `v[0]`. Returns the cut.
fn unguarded_partition_pivot<F: Fn(usize, usize) -> bool>(v: &mut [usize], less: &F) -> usize {
    let len = v.len();
    let mid = len / 2;
    move_median_to_first(v, 0, 1, mid, len - 1, less);
    let pivot = v[0];
    let mut first = 1;
    let mut last = len;
    loop {
        while less(v[first], pivot) {
            first += 1;
        }
        last -= 1;
        while less(pivot, v[last]) {
            last -= 1;
        }
        if first >= last {
            return first;
        }
        v.swap(first, last);
        first += 1;
    }
}

fn final_insertion_sort<F: Fn(usize, usize) -> bool>(v: &mut [usize], less: &F) {
    if v.len() > STD_SORT_THRESHOLD {
        insertion_sort(&mut v[..STD_SORT_THRESHOLD], less);
        for i in STD_SORT_THRESHOLD..v.len() {
            unguarded_linear_insert(v, i, less);
        }
    } else {
        insertion_sort(v, less);
    }
}

fn insertion_sort<F: Fn(usize, usize) -> bool>(v: &mut [usize], less: &F) {
    for i in 1..v.len() {
        let val = v[i];
        if less(val, v[0]) {
            v.copy_within(0..i, 1);
            v[0] = val;
        } else {
            unguarded_linear_insert(v, i, less);
        }
    }
}

fn unguarded_linear_insert<F: Fn(usize, usize) -> bool>(v: &mut [usize], mut last: usize, less: &F) {
    let val = v[last];
    while less(val, v[last - 1]) {
        v[last] = v[last - 1];
        last -= 1;
    }
    v[last] = val;
}

/// `std::__partial_sort(first, last, last)`: make_heap then sort_heap.
fn heap_sort<F: Fn(usize, usize) -> bool>(v: &mut [usize], less: &F) {
    let len = v.len();
    if len >= 2 {
        let mut parent = (len - 2) / 2;
        loop {
            let value = v[parent];
            adjust_heap(v, parent, len, value, less);
            if parent == 0 {
                break;
            }
            parent -= 1;
        }
    }
    let mut last = len;
    while last > 1 {
        last -= 1;
        // __pop_heap(first, last, last)
        let value = v[last];
        v[last] = v[0];
        adjust_heap(&mut v[..last], 0, last, value, less);
    }
}

fn adjust_heap<F: Fn(usize, usize) -> bool>(v: &mut [usize], mut hole: usize, len: usize, value: usize, less: &F) {
    let top = hole;
    let mut child = hole;
    while child < (len - 1) / 2 {
        child = 2 * (child + 1);
        if less(v[child], v[child - 1]) {
            child -= 1;
        }
        v[hole] = v[child];
        hole = child;
    }
    if len & 1 == 0 && child == (len - 2) / 2 {
        child = 2 * (child + 1);
        v[hole] = v[child - 1];
        hole = child - 1;
    }
    // __push_heap
    let mut parent = hole.wrapping_sub(1) / 2;
    while hole > top && less(v[parent], value) {
        v[hole] = v[parent];
        hole = parent;
        parent = hole.wrapping_sub(1) / 2;
    }
    v[hole] = value;
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check_sorted_permutation(keys: &[f64], perm: &[u32]) {
        assert_eq!(perm.len(), keys.len());
        let mut seen = vec![false; keys.len()];
        for &i in perm {
            assert!(!std::mem::replace(&mut seen[i as usize], true), "index {i} twice");
        }
        for w in perm.windows(2) {
            let (a, b) = (keys[w[0] as usize], keys[w[1] as usize]);
            assert!(!less_nan_last(b, a), "not ascending: {a} before {b}");
        }
    }

    #[test]
    fn trivial_sizes() {
        assert!(numpy_argsort_avx2(&[]).is_empty());
        assert_eq!(numpy_argsort_avx2(&[3.0]), vec![0]);
        assert_eq!(numpy_argsort_avx2(&[2.0, 1.0]), vec![1, 0]);
        assert_eq!(numpy_argsort_avx2(&[1.0, 1.0]), vec![0, 1]);
    }

    // Expected permutations below were produced with numpy 2.4.6 under AVX2
    // dispatch:
    //   NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL" /work/negmas-venv/bin/python -c \
    //     "import numpy as np; print(np.argsort(np.array(KEYS)).tolist())"
    // with KEYS the literal arrays given to `numpy_argsort_avx2`.

    #[test]
    fn golden_small_ties() {
        assert_eq!(numpy_argsort_avx2(&[1.0, 0.0, 0.0, 0.0, 0.0, 0.0]), vec![1, 2, 3, 4, 5, 0]);
        let keys = [2.0, 1.0, 2.0, 1.0, 0.0, 2.0, 1.0, 0.0, 1.0, 2.0];
        assert_eq!(numpy_argsort_avx2(&keys), GOLDEN_10);
        let keys: Vec<f64> = (0..40).map(|i| ((i * 7) % 5) as f64 / 4.0).collect();
        assert_eq!(numpy_argsort_avx2(&keys), GOLDEN_40);
    }

    #[test]
    fn golden_partitioned_ties() {
        // 300 keys: one partition step, then networks.
        let mut keys = vec![0.0; 300];
        keys[0] = 1.0;
        let perm = numpy_argsort_avx2(&keys);
        assert_eq!(&perm[..20], &GOLDEN_300_HEAD);
        assert_eq!(&perm[295..], &[99, 98, 97, 96, 0]);
        // 1000 keys from three values.
        let keys: Vec<f64> = (0..1000u64).map(|i| ((i * 2654435761) % 3) as f64 / 3.0).collect();
        let perm = numpy_argsort_avx2(&keys);
        check_sorted_permutation(&keys, &perm);
        assert_eq!(perm.iter().map(|&i| i as u64).sum::<u64>(), 999 * 1000 / 2);
        assert_eq!(&perm[..12], &GOLDEN_1000_HEAD);
        assert_eq!(&perm[500..512], &GOLDEN_1000_MID);
    }

    #[test]
    fn already_sorted_is_identity() {
        let keys: Vec<f64> = (0..1000).map(|i| (i / 10) as f64).collect();
        let perm = numpy_argsort_avx2(&keys);
        assert!(perm.iter().enumerate().all(|(i, &p)| p as usize == i));
    }

    #[test]
    fn nans_go_last() {
        let keys = [f64::NAN, 1.0, 0.5, f64::NAN, 0.5];
        let perm = numpy_argsort_avx2(&keys);
        check_sorted_permutation(&keys, &perm);
        assert!(keys[perm[3] as usize].is_nan() && keys[perm[4] as usize].is_nan());
    }

    #[test]
    fn std_sort_emulation_sorts() {
        // Exercise the heapsort fallback and the insertion sorts directly.
        for n in [0usize, 1, 2, 15, 16, 17, 100, 1000] {
            let keys: Vec<f64> = (0..n as u64).map(|i| ((i * 40503) % 7) as f64).collect();
            let mut v: Vec<usize> = (0..n).collect();
            std_sort(&mut v, |a, b| keys[a] < keys[b]);
            let perm: Vec<u32> = v.iter().map(|&i| i as u32).collect();
            check_sorted_permutation(&keys, &perm);
            let mut h: Vec<usize> = (0..n).collect();
            heap_sort(&mut h, &|a: usize, b: usize| keys[a] < keys[b]);
            let perm: Vec<u32> = h.iter().map(|&i| i as u32).collect();
            check_sorted_permutation(&keys, &perm);
        }
    }

    #[test]
    fn large_random_is_sorted_permutation() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let keys: Vec<f64> = (0..200_000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state % 37) as f64 / 7.0
            })
            .collect();
        check_sorted_permutation(&keys, &numpy_argsort_avx2(&keys));
    }

    proptest! {
        #[test]
        fn sorted_permutation(keys in prop::collection::vec(0u8..12, 0..1500), div in 1u8..9) {
            let keys: Vec<f64> = keys.iter().map(|&k| f64::from(k) / f64::from(div)).collect();
            check_sorted_permutation(&keys, &numpy_argsort_avx2(&keys));
        }

        #[test]
        fn sorted_permutation_wide(keys in prop::collection::vec(-1e6f64..1e6, 0..700)) {
            check_sorted_permutation(&keys, &numpy_argsort_avx2(&keys));
        }
    }

    /// Compares with numpy on the cases written by `scripts/check_npsort.py`
    /// (`NPSORT_CASES=/path/to/cases.bin cargo test -p entente-core --release
    /// -- --ignored npsort_matches_numpy_cases`). Each record is `n: u64`,
    /// `n` keys (`f64`) and the `n` indices numpy returned (`i64`), all
    /// little-endian.
    #[test]
    #[ignore = "needs a case file from scripts/check_npsort.py (env NPSORT_CASES)"]
    #[allow(clippy::disallowed_methods)] // a test reading its case file, named by the environment
    fn npsort_matches_numpy_cases() {
        let path = std::env::var("NPSORT_CASES").expect("set NPSORT_CASES to a case file");
        let data = std::fs::read(&path).expect("read NPSORT_CASES");
        let word = |at: usize| u64::from_le_bytes(data[at..at + 8].try_into().unwrap());
        let (mut at, mut cases, mut failures, mut elements) = (0usize, 0usize, Vec::new(), 0usize);
        while at < data.len() {
            let n = word(at) as usize;
            at += 8;
            let keys: Vec<f64> = (0..n).map(|i| f64::from_bits(word(at + 8 * i))).collect();
            at += 8 * n;
            let expected: Vec<u32> = (0..n).map(|i| word(at + 8 * i) as u32).collect();
            at += 8 * n;
            if numpy_argsort_avx2(&keys) != expected {
                failures.push((cases, n));
            }
            cases += 1;
            elements += n;
        }
        eprintln!("npsort: {cases} cases, {elements} keys, {} mismatches", failures.len());
        assert!(failures.is_empty(), "mismatching cases (case number, length): {failures:?}");
    }

    const GOLDEN_10: [u32; 10] = [7, 4, 1, 3, 6, 8, 2, 0, 5, 9];
    const GOLDEN_40: [u32; 40] = [
        0, 5, 15, 10, 25, 30, 20, 35, 18, 13, 28, 23, 3, 38, 33, 8, 31, 26, 21, 16, 36, 6, 11, 1, 29, 24, 34, 39, 9, 4,
        19, 14, 27, 22, 17, 12, 7, 2, 32, 37,
    ];
    const GOLDEN_300_HEAD: [u32; 20] =
        [196, 205, 204, 203, 202, 201, 200, 199, 198, 197, 206, 195, 194, 193, 192, 191, 190, 189, 188, 215];
    const GOLDEN_1000_HEAD: [u32; 12] = [6, 336, 339, 342, 345, 828, 831, 801, 804, 792, 378, 381];
    const GOLDEN_1000_MID: [u32; 12] = [199, 202, 205, 496, 499, 502, 505, 748, 751, 721, 724, 178];
}
