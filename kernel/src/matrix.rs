//! Fixed-size row-major f32 matrices and the products a backward pass needs.
//!
//! Naming follows the maths: `matmul` is A·B, `matmul_at_b` is Aᵀ·B,
//! `matmul_a_bt` is A·Bᵀ, `matvec` is A·x and `vecmat` is xᵀ·A (= Aᵀx).
//! Arguments come in llm.c's order: output first, then inputs; the shapes
//! are in the types. Each product has an overwrite form and an accumulating
//! `_acc` form (`out += …`), since backward passes accumulate.
//!
//! Determinism: every product has one summation order, the naive loop's.
//! Each output element is a sequential f32 sum over k in index order,
//! starting from its current value in the `_acc` forms and from 0 in the
//! overwrite forms: out_ij = (((init + a_i0 b_0j) + a_i1 b_1j) + …). The
//! fast paths never split a sum into partial sums: they vectorise across
//! output elements (the columns j of a register tile in the GEMM core, the
//! row of `vecmat`, several rows at once in `matvec`), so the result is
//! bit-identical to [`reference::matmul_seq`] and its siblings whatever the
//! blocking, the shape, the transposition or the target's vector width, on
//! any x86-64 or aarch64 machine (Rust never contracts a·b + c into an FMA).
//! The same terms in the same order also make A·B, Aᵀ·B and A·Bᵀ agree bit
//! for bit when given the same matrices transposed. [`dot`], which keeps
//! [`LANES`] partial sums, is a helper for callers outside this module (it
//! sums in a different, also fixed, order) and is not used by the products.
//!
//! Speed: the four matrix products share one packed, register-tiled GEMM
//! core in the style of BLIS and the matrixmultiply crate (see `gemm`):
//! operands are packed into small stack buffers, transposition included,
//! and a 6 × 8 micro-kernel with constant bounds keeps its tile in SIMD
//! registers. All of it is safe, portable Rust that LLVM vectorises.
//!
//! [`reference`] holds the slow, obviously-correct versions: f64
//! accumulation to check accuracy, and the naive f32 loops that fix the
//! order the fast products must reproduce bit for bit.

/// A `R × C` matrix of f32, row-major: `self.0[i][j]` is row i, column j.
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(transparent)]
pub struct Matrix<const R: usize, const C: usize>(pub [[f32; C]; R]);

impl<const R: usize, const C: usize> Default for Matrix<R, C> {
    #[inline]
    fn default() -> Self {
        Self::zeros()
    }
}

impl<const R: usize, const C: usize> Matrix<R, C> {
    /// Number of rows.
    pub const ROWS: usize = R;
    /// Number of columns.
    pub const COLS: usize = C;

    /// The zero matrix (built on the stack: box large ones zeroed instead).
    #[inline]
    #[must_use]
    pub const fn zeros() -> Self {
        Matrix([[0.0; C]; R])
    }

    /// The matrix with entry (i, j) = f(i, j).
    #[inline]
    #[must_use]
    pub fn from_fn(mut f: impl FnMut(usize, usize) -> f32) -> Self {
        let mut m = Self::zeros();
        for (i, row) in m.0.iter_mut().enumerate() {
            for (j, x) in row.iter_mut().enumerate() {
                *x = f(i, j);
            }
        }
        m
    }

    /// All entries, row after row.
    #[inline]
    #[must_use]
    pub fn as_slice(&self) -> &[f32] {
        self.0.as_flattened()
    }

    /// All entries, row after row, writable.
    #[inline]
    #[must_use]
    pub fn as_mut_slice(&mut self) -> &mut [f32] {
        self.0.as_flattened_mut()
    }

    /// Entry (i, j).
    #[inline]
    #[must_use]
    pub fn get(&self, i: usize, j: usize) -> f32 {
        self.0[i][j]
    }

    /// Sets every entry to 0.
    #[inline]
    pub fn fill_zero(&mut self) {
        self.as_mut_slice().fill(0.0);
    }

    /// Applies `f` to every entry in place.
    #[inline]
    pub fn map_inplace(&mut self, f: impl Fn(f32) -> f32) {
        for x in self.as_mut_slice() {
            *x = f(*x);
        }
    }

    /// The transpose (on the stack).
    #[inline]
    #[must_use]
    pub fn transpose(&self) -> Matrix<C, R> {
        Matrix::from_fn(|i, j| self.0[j][i])
    }
}

/// Number of independent partial sums in [`dot`].
pub const LANES: usize = 8;

/// x·y with [`LANES`] partial sums in a fixed order: lane l adds
/// x[l]y[l], x[l+8]y[l+8], …; the lanes combine as
/// ((l0+l1)+(l2+l3))+((l4+l5)+(l6+l7)); the tail (n mod 8 terms) is added
/// last, in order. Deterministic, but not the sequential order of the
/// matrix products: [`matvec`] of a one-row matrix is not `dot`.
#[inline]
#[must_use]
pub fn dot(x: &[f32], y: &[f32]) -> f32 {
    debug_assert_eq!(x.len(), y.len());
    let mut acc = [0.0f32; LANES];
    let xs = x.chunks_exact(LANES);
    let ys = y.chunks_exact(LANES);
    let (xt, yt) = (xs.remainder(), ys.remainder());
    for (xc, yc) in xs.zip(ys) {
        for l in 0..LANES {
            acc[l] += xc[l] * yc[l];
        }
    }
    let mut s = sum_lanes(acc);
    for (a, b) in xt.iter().zip(yt) {
        s += a * b;
    }
    s
}

/// The sum of [`LANES`] partial sums, in a fixed order (a pairwise tree).
#[inline(always)]
#[must_use]
pub fn sum_lanes(acc: [f32; LANES]) -> f32 {
    ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]))
}

/// out += alpha · x (elementwise, in order).
#[inline]
pub fn axpy(out: &mut [f32], alpha: f32, x: &[f32]) {
    debug_assert_eq!(out.len(), x.len());
    for (o, &v) in out.iter_mut().zip(x) {
        *o += alpha * v;
    }
}

// ---------------------------------------------------------------------------
// The GEMM core.
//
// Every product is C (m × n, row-major) = or += A·B, with A(i, k) and
// B(k, j) read through an `Operand` that knows how the matrix is stored, so
// that transposition is only a matter of packing. The structure is that of
// BLIS and the matrixmultiply crate, cut down to buffers that fit on a small
// stack (28 KiB):
//
//   'jc: columns of C in blocks of NC = NB·NR
//     'pc: the sum index k in blocks of KC
//        pack B(pc.., jc..) into NB panels [[f32; NR]; KC], zero-padded
//        'ic: rows of C in steps of MR
//           pack A(ic.., pc..) into one panel [[[f32; V]; MR]; KC], each
//           element repeated V times (a ready-made broadcast), zero-padded
//           'jr: for each B panel (two at a time on the AVX path), the
//                micro-kernel updates one MR × NR register tile of C (two
//                side by side) with the kc terms of this block.
//
// A tile is loaded from C before its terms are added (or starts at zero in
// the first k block of an overwrite form) and is stored back after them, so
// every element of C receives its terms one at a time in k order whatever
// the blocking: the result is the naive loop's, bit for bit. The vectors of
// the micro-kernel run along the NR columns of the tile, never along k.
// Padding only ever feeds tile entries that are not stored.
// ---------------------------------------------------------------------------

/// Rows of the register tile.
pub(crate) const MR: usize = 6;
/// Columns of the register tile: NR / V SIMD vectors of f32.
pub(crate) const NR: usize = 8;
/// Width of the SIMD vectors the micro-kernel is written for: SSE2 (the
/// x86-64 baseline) and NEON both hold 4 f32. Wider targets still get a
/// correct, identical result.
pub(crate) const V: usize = 4;
/// Depth of a packed block: terms per tile element per micro-kernel call.
const KC: usize = 128;
/// B panels packed per block.
const NB: usize = 4;
/// Columns of C per block.
const NC: usize = NB * NR;
/// Products with at most this many terms (M·N·K) use the plain loop, which
/// gives the same result without the packing overhead.
const SMALL: usize = 1024;

// The packing buffers live on the stack: keep them modest.
const _: () = assert!(4 * KC * (NB * NR + MR * V) <= 32 * 1024);
const _: () = assert!(NR / V * V == NR); // whole vectors per tile row
const _: () = assert!(NR <= 8); // `copy_prefix` has a copy for each length below 8

/// How an operand of the GEMM core is stored. Its elements are indexed by
/// (x, k): x is the output row i for A and the output column j for B, k is
/// the sum index.
#[derive(Clone, Copy)]
struct Operand<'a> {
    data: &'a [f32],
    /// Length of a storage row.
    ld: usize,
    /// `true`: (x, k) is `data[k * ld + x]`, so a fixed k is contiguous (A of
    /// Aᵀ·B, B of A·B). `false`: (x, k) is `data[x * ld + k]` (A of A·B, B of
    /// A·Bᵀ).
    k_major: bool,
}

impl Operand<'_> {
    #[inline(always)]
    fn at(&self, x: usize, k: usize) -> f32 {
        if self.k_major {
            self.data[k * self.ld + x]
        } else {
            self.data[x * self.ld + k]
        }
    }
}

/// Packs element (x0 + r, k0 + kk) of `op`, for r < w ≤ W and
/// kk < dst.len(), as `dst[kk][r] = f(element)`, and pads with
/// `dst[kk][r] = f(0.0)` for w ≤ r < W. Full panels (w = W) take loops
/// with constant bounds.
#[inline(always)]
fn pack<T: Copy, const W: usize>(dst: &mut [[T; W]], op: Operand<'_>, x0: usize, w: usize, k0: usize, f: impl Fn(f32) -> T) {
    let kc = dst.len();
    if op.k_major {
        // Storage rows k0.., columns x0..x0 + w: a copy, row by row.
        let rows = op.data[k0 * op.ld..].chunks_exact(op.ld);
        if w == W {
            for (d, row) in dst.iter_mut().zip(rows) {
                let src: &[f32; W] = row[x0..x0 + W].try_into().unwrap();
                for (t, &v) in d.iter_mut().zip(src) {
                    *t = f(v);
                }
            }
        } else {
            for (d, row) in dst.iter_mut().zip(rows) {
                for (r, t) in d.iter_mut().enumerate() {
                    *t = f(if r < w { row[x0 + r] } else { 0.0 });
                }
            }
        }
    } else if w == W {
        // Storage rows x0..x0 + W, columns k0..: a transposing gather.
        let rows: [&[f32]; W] = row_slices(op.data, x0, op.ld, k0, kc);
        for (kk, d) in dst.iter_mut().enumerate() {
            for (t, row) in d.iter_mut().zip(&rows) {
                *t = f(row[kk]);
            }
        }
    } else {
        for d in dst.iter_mut() {
            d.fill(f(0.0));
        }
        for r in 0..w {
            let row = &op.data[(x0 + r) * op.ld + k0..][..kc];
            for (d, &v) in dst.iter_mut().zip(row) {
                d[r] = f(v);
            }
        }
    }
}

/// Rows x0.. of a row-major matrix (`ld` floats per row), columns
/// k0..k0 + kc. A loop, not `core::array::from_fn`, whose closure LLVM
/// leaves as a call here.
#[inline(always)]
fn row_slices<const W: usize>(data: &[f32], x0: usize, ld: usize, k0: usize, kc: usize) -> [&[f32]; W] {
    let mut rows: [&[f32]; W] = [&[]; W];
    for (r, row) in rows.iter_mut().enumerate() {
        *row = &data[(x0 + r) * ld + k0..][..kc];
    }
    rows
}

/// tile += A panel · B panel, one k at a time: tile[r][c] += A(r, k) · b[k][c]
/// for k in order (a[k][r] holds A(r, k) V times). The constant MR × NR
/// bounds let LLVM keep the tile in registers and vectorise along c, V
/// columns at a time, with the broadcast of A(r, k) a plain vector load.
#[inline(always)]
fn micro_kernel(a: &[[[f32; V]; MR]], b: &[[f32; NR]], tile: &mut [[f32; NR]; MR]) {
    let mut acc = *tile;
    for (ak, bk) in a.iter().zip(b) {
        for (row, av) in acc.iter_mut().zip(ak) {
            for (tv, bv) in row.chunks_exact_mut(V).zip(bk.chunks_exact(V)) {
                for ((t, &ar), &bc) in tv.iter_mut().zip(av).zip(bv) {
                    *t += ar * bc;
                }
            }
        }
    }
    *tile = acc;
}

/// The same update for 8-wide vectors (AVX): one broadcast A(r, k) times a
/// whole row of the B panel. Each tile element receives exactly the terms of
/// [`micro_kernel`] in the same order, so the two give the same bits.
#[inline(always)]
fn micro_kernel_wide(a: &[[[f32; V]; MR]], b: &[[f32; NR]], tile: &mut [[f32; NR]; MR]) {
    let mut acc = *tile;
    for (ak, bk) in a.iter().zip(b) {
        for (row, av) in acc.iter_mut().zip(ak) {
            let ar = av[0];
            for (t, &bc) in row.iter_mut().zip(bk) {
                *t += ar * bc;
            }
        }
    }
    *tile = acc;
}

/// Where the AVX micro-kernels read A(r, k), r < MR: full tiles read A
/// where it is stored (a broadcast from memory costs the same whatever the
/// address) instead of packing it again for every block of NC columns;
/// tiles at the bottom edge, with fewer than MR rows, and blocks with an odd
/// number of panels use the zero-padded packed panel.
#[derive(Clone, Copy)]
pub(crate) enum ASource<'a> {
    /// The packed panel: A(r, k) = `p[k][r][0]`.
    Packed(&'a [[[f32; V]; MR]]),
    /// MR storage rows, each contiguous in k (A of A·B and A·Bᵀ): A(r, k) = `rows[r][k]`.
    Rows([&'a [f32]; MR]),
    /// Storage where one k holds the MR values side by side (A of Aᵀ·B):
    /// A(r, k) = `data[k · ld + r]`.
    KMajor(&'a [f32], usize),
}

/// One k of [`micro_kernel_wide2_src`]: acc_q[r][c] += A(r, k) · b_q[k][c].
#[inline(always)]
fn wide2_step(acc0: &mut [[f32; NR]; MR], acc1: &mut [[f32; NR]; MR], ak: &[f32; MR], bk0: &[f32; NR], bk1: &[f32; NR]) {
    for ((row0, row1), &ar) in acc0.iter_mut().zip(acc1.iter_mut()).zip(ak) {
        for (t, &bc) in row0.iter_mut().zip(bk0) {
            *t += ar * bc;
        }
        for (t, &bc) in row1.iter_mut().zip(bk1) {
            *t += ar * bc;
        }
    }
}

/// Two adjacent tiles at once for 8-wide vectors (AVX), A read through an
/// [`ASource`]: each broadcast of A(r, k) multiplies a row of both B
/// panels, so twelve independent sums are in flight instead of six, enough
/// to keep both adders busy through their latency. Each element of either
/// tile receives exactly the terms of [`micro_kernel`] in the same order:
/// the same bits.
#[inline(always)]
pub(crate) fn micro_kernel_wide2_src(
    a: &ASource<'_>,
    b0: &[[f32; NR]],
    b1: &[[f32; NR]],
    tile0: &mut [[f32; NR]; MR],
    tile1: &mut [[f32; NR]; MR],
) {
    let (mut acc0, mut acc1) = (*tile0, *tile1);
    let kc = b0.len().min(b1.len());
    match a {
        ASource::Packed(p) => {
            for ((ak, bk0), bk1) in p.iter().zip(b0).zip(b1) {
                wide2_step(&mut acc0, &mut acc1, &core::array::from_fn(|r| ak[r][0]), bk0, bk1);
            }
        }
        ASource::Rows(rows) => {
            let rows: [&[f32]; MR] = rows.map(|r| &r[..kc]);
            for (k, (bk0, bk1)) in b0[..kc].iter().zip(&b1[..kc]).enumerate() {
                wide2_step(&mut acc0, &mut acc1, &core::array::from_fn(|r| rows[r][k]), bk0, bk1);
            }
        }
        ASource::KMajor(data, ld) => {
            for ((col, bk0), bk1) in data.chunks(*ld).zip(b0).zip(b1) {
                wide2_step(&mut acc0, &mut acc1, col[..MR].try_into().unwrap(), bk0, bk1);
            }
        }
    }
    (*tile0, *tile1) = (acc0, acc1);
}

/// c (m × n, row-major) = or += A·B, A m × k and B k × n read through
/// their operands; each c[i][j] is its start value (0 unless `accumulate`)
/// plus A(i, k)·B(k, j) for k = 0, 1, … in order.
#[allow(unused_labels)] // the labels name the loops of the BLIS structure
fn gemm(c: &mut [f32], m: usize, n: usize, k: usize, a: Operand<'_>, b: Operand<'_>, accumulate: bool) {
    debug_assert_eq!(c.len(), m * n);
    debug_assert_eq!(a.data.len(), m * k);
    debug_assert_eq!(b.data.len(), k * n);
    debug_assert_eq!(a.ld, if a.k_major { m } else { k });
    debug_assert_eq!(b.ld, if b.k_major { n } else { k });
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 || m * n * k <= SMALL {
        // The same sums, one element at a time.
        for (i, crow) in c.chunks_exact_mut(n).enumerate() {
            for (j, cij) in crow.iter_mut().enumerate() {
                let mut s = if accumulate { *cij } else { 0.0 };
                for kk in 0..k {
                    s += a.at(i, kk) * b.at(j, kk);
                }
                *cij = s;
            }
        }
        return;
    }
    let mut bpack = [[[0.0f32; NR]; KC]; NB];
    let mut apack = [[[0.0f32; V]; MR]; KC];
    // The C tiles of one micro-kernel call (one, or two side by side).
    let mut tiles = [[[0.0f32; NR]; MR]; 2];
    'jc: for jc in (0..n).step_by(NC) {
        let np = (n - jc).min(NC).div_ceil(NR);
        'pc: for pc in (0..k).step_by(KC) {
            let kc = (k - pc).min(KC);
            let load = accumulate || pc > 0;
            for (p, panel) in bpack[..np].iter_mut().enumerate() {
                let j0 = jc + p * NR;
                pack(&mut panel[..kc], b, j0, (n - j0).min(NR), pc, |v| v);
            }
            'ic: for (ir, crows) in c.chunks_mut(MR * n).enumerate() {
                let ic = ir * MR;
                let wide = crate::simd::avx_enabled();
                // Whole tiles with an even number of panels (every call takes two).
                let in_place = wide && m - ic >= MR && np % 2 != 1;
                let asrc = if !in_place {
                    pack(&mut apack[..kc], a, ic, (m - ic).min(MR), pc, |v| [v; V]);
                    ASource::Packed(&apack[..kc])
                } else if a.k_major {
                    ASource::KMajor(&a.data[pc * a.ld + ic..], a.ld)
                } else {
                    ASource::Rows(row_slices(a.data, ic, a.ld, pc, kc))
                };
                // Panels per micro-kernel call: two on the AVX path (a 6 × 16
                // tile), one on the portable path and for an odd last panel.
                let mut p = 0;
                'jr: while p < np {
                    let step = if wide && p + 1 < np { 2 } else { 1 };
                    for (q, tile) in tiles[..step].iter_mut().enumerate() {
                        if load {
                            load_tile(tile, crows, n, jc + (p + q) * NR);
                        } else {
                            for row in tile.iter_mut() {
                                *row = [0.0; NR]; // row by row: a whole tile at once becomes a memcpy call
                            }
                        }
                    }
                    let (a, b0) = (&apack[..kc], &bpack[p][..kc]);
                    if step == 2 {
                        let [t0, t1] = &mut tiles;
                        crate::simd::micro_kernel_wide2_src_avx(&asrc, b0, &bpack[p + 1][..kc], t0, t1);
                    } else if wide {
                        crate::simd::dispatch(|| micro_kernel_wide(a, b0, &mut tiles[0]));
                    } else {
                        micro_kernel(a, b0, &mut tiles[0]);
                    }
                    for (q, tile) in tiles[..step].iter().enumerate() {
                        store_tile(crows, tile, n, jc + (p + q) * NR);
                    }
                    p += step;
                }
            }
        }
    }
}

/// Loads the tile of C at rows `crows` (MR rows of n, or fewer at the
/// bottom edge), columns j0.. (NR, or fewer at the right edge).
#[inline(always)]
fn load_tile(tile: &mut [[f32; NR]; MR], crows: &[f32], n: usize, j0: usize) {
    let nr = (n - j0).min(NR);
    for (t, crow) in tile.iter_mut().zip(crows.chunks_exact(n)) {
        if nr == NR {
            *t = crow[j0..j0 + NR].try_into().unwrap();
        } else {
            copy_prefix(t, &crow[j0..], nr);
        }
    }
}

/// dst[..len] = src[..len] for len < [`NR`], as one fixed-size copy per
/// length: LLVM turns a loop that copies a variable length into a call to
/// memcpy, which costs more than these few floats (3 % of an autoencoder
/// epoch, whose 30-column products end in 6-column tiles).
#[inline(always)]
fn copy_prefix(dst: &mut [f32], src: &[f32], len: usize) {
    #[inline(always)]
    fn fixed<const W: usize>(dst: &mut [f32], src: &[f32]) {
        let d: &mut [f32; W] = (&mut dst[..W]).try_into().unwrap();
        *d = src[..W].try_into().unwrap();
    }
    debug_assert!(len < NR);
    match len {
        1 => fixed::<1>(dst, src),
        2 => fixed::<2>(dst, src),
        3 => fixed::<3>(dst, src),
        4 => fixed::<4>(dst, src),
        5 => fixed::<5>(dst, src),
        6 => fixed::<6>(dst, src),
        7 => fixed::<7>(dst, src),
        _ => {}
    }
}

/// Stores a tile back where [`load_tile`] took it from.
#[inline(always)]
fn store_tile(crows: &mut [f32], tile: &[[f32; NR]; MR], n: usize, j0: usize) {
    let nr = (n - j0).min(NR);
    for (t, crow) in tile.iter().zip(crows.chunks_exact_mut(n)) {
        if nr == NR {
            let dst: &mut [f32; NR] = (&mut crow[j0..j0 + NR]).try_into().unwrap();
            *dst = *t;
        } else {
            copy_prefix(&mut crow[j0..], t, nr);
        }
    }
}

/// A (M × K) as the A operand.
#[inline]
fn a_rows<const M: usize, const K: usize>(a: &Matrix<M, K>) -> Operand<'_> {
    Operand {
        data: a.as_slice(),
        ld: K,
        k_major: false,
    }
}

/// Stored K × M, read as the A operand Aᵀ (M × K).
#[inline]
fn a_cols<const K: usize, const M: usize>(a: &Matrix<K, M>) -> Operand<'_> {
    Operand {
        data: a.as_slice(),
        ld: M,
        k_major: true,
    }
}

/// B (K × N) as the B operand.
#[inline]
fn b_rows<const K: usize, const N: usize>(b: &Matrix<K, N>) -> Operand<'_> {
    Operand {
        data: b.as_slice(),
        ld: N,
        k_major: true,
    }
}

/// Stored N × K, read as the B operand Bᵀ (K × N).
#[inline]
fn b_cols<const N: usize, const K: usize>(b: &Matrix<N, K>) -> Operand<'_> {
    Operand {
        data: b.as_slice(),
        ld: K,
        k_major: false,
    }
}

/// out += A·B. Shapes: out (M×N), a (M×K), b (K×N).
/// out_ij = (((out_ij + a_i0 b_0j) + a_i1 b_1j) + …).
#[inline]
pub fn matmul_acc<const M: usize, const K: usize, const N: usize>(out: &mut Matrix<M, N>, a: &Matrix<M, K>, b: &Matrix<K, N>) {
    gemm(out.as_mut_slice(), M, N, K, a_rows(a), b_rows(b), true);
}

/// out = A·B. Shapes: out (M×N), a (M×K), b (K×N).
/// out_ij = ((a_i0 b_0j + a_i1 b_1j) + …), summed from 0.
#[inline]
pub fn matmul<const M: usize, const K: usize, const N: usize>(out: &mut Matrix<M, N>, a: &Matrix<M, K>, b: &Matrix<K, N>) {
    gemm(out.as_mut_slice(), M, N, K, a_rows(a), b_rows(b), false);
}

/// out += Aᵀ·B. Shapes: out (M×N), a (K×M), b (K×N).
/// out_ij = (((out_ij + a_0i b_0j) + a_1i b_1j) + …).
#[inline]
pub fn matmul_at_b_acc<const M: usize, const K: usize, const N: usize>(out: &mut Matrix<M, N>, a: &Matrix<K, M>, b: &Matrix<K, N>) {
    gemm(out.as_mut_slice(), M, N, K, a_cols(a), b_rows(b), true);
}

/// out = Aᵀ·B. Shapes: out (M×N), a (K×M), b (K×N).
/// out_ij = ((a_0i b_0j + a_1i b_1j) + …), summed from 0.
#[inline]
pub fn matmul_at_b<const M: usize, const K: usize, const N: usize>(out: &mut Matrix<M, N>, a: &Matrix<K, M>, b: &Matrix<K, N>) {
    gemm(out.as_mut_slice(), M, N, K, a_cols(a), b_rows(b), false);
}

/// out += A·Bᵀ. Shapes: out (M×N), a (M×K), b (N×K).
/// out_ij = (((out_ij + a_i0 b_j0) + a_i1 b_j1) + …).
#[inline]
pub fn matmul_a_bt_acc<const M: usize, const K: usize, const N: usize>(out: &mut Matrix<M, N>, a: &Matrix<M, K>, b: &Matrix<N, K>) {
    gemm(out.as_mut_slice(), M, N, K, a_rows(a), b_cols(b), true);
}

/// out = A·Bᵀ. Shapes: out (M×N), a (M×K), b (N×K).
/// out_ij = ((a_i0 b_j0 + a_i1 b_j1) + …), summed from 0.
#[inline]
pub fn matmul_a_bt<const M: usize, const K: usize, const N: usize>(out: &mut Matrix<M, N>, a: &Matrix<M, K>, b: &Matrix<N, K>) {
    gemm(out.as_mut_slice(), M, N, K, a_rows(a), b_cols(b), false);
}

/// Rows of A that [`matvec_acc`] walks together (independent sums).
const MV_ROWS: usize = 8;

/// out += A·x. Shapes: out (M), a (M×K), x (K).
/// out_i = (((out_i + a_i0 x_0) + a_i1 x_1) + …). Eight rows are summed
/// side by side, each in k order, for instruction-level parallelism.
#[inline]
pub fn matvec_acc<const M: usize, const K: usize>(out: &mut [f32; M], a: &Matrix<M, K>, x: &[f32; K]) {
    let mut outs = out.chunks_exact_mut(MV_ROWS);
    let mut rows = a.0.chunks_exact(MV_ROWS);
    for (o, rs) in (&mut outs).zip(&mut rows) {
        let mut s = [0.0f32; MV_ROWS];
        s.copy_from_slice(o);
        for (kk, &xk) in x.iter().enumerate() {
            for (sl, row) in s.iter_mut().zip(rs) {
                *sl += row[kk] * xk;
            }
        }
        o.copy_from_slice(&s);
    }
    for (o, row) in outs.into_remainder().iter_mut().zip(rows.remainder()) {
        let mut s = *o;
        for (&v, &xk) in row.iter().zip(x) {
            s += v * xk;
        }
        *o = s;
    }
}

/// out = A·x. Shapes: out (M), a (M×K), x (K).
/// out_i = ((a_i0 x_0 + a_i1 x_1) + …), summed from 0.
#[inline]
pub fn matvec<const M: usize, const K: usize>(out: &mut [f32; M], a: &Matrix<M, K>, x: &[f32; K]) {
    out.fill(0.0);
    matvec_acc(out, a, x);
}

/// Columns of `out` that [`vecmat_acc`] holds in registers while it runs
/// over all of k: 8 SSE2/NEON vectors.
const VM_COLS: usize = 32;
/// The same for the AVX build: 8 AVX vectors, eight independent sums in
/// flight, so that one image's product is not bound by the add latency.
pub(crate) const VM_COLS_AVX: usize = 64;

/// out += xᵀ·A (= Aᵀx). Shapes: out (N), x (K), a (K×N).
/// out_j = (((out_j + x_0 a_0j) + x_1 a_1j) + …), vectorised along j.
///
/// This is the one-image product of inference (a layer's transposed
/// weights, packed once, times one input): a block of columns is loaded
/// into registers, receives its K terms in k order, and is stored once, so
/// the sums never round-trip through memory. Blocks: the whole row when
/// N ≤ 2·[`VM_COLS`] (its length is a constant, so LLVM unrolls it), else
/// [`VM_COLS`] columns at a time ([`VM_COLS_AVX`] on the AVX path), then
/// 16, 8 and single columns. The blocking never changes a sum.
#[inline]
pub fn vecmat_acc<const K: usize, const N: usize>(out: &mut [f32; N], x: &[f32; K], a: &Matrix<K, N>) {
    vecmat_dispatch(out, x, a, 0..K);
}

/// out = xᵀ·A (= Aᵀx) like [`vecmat`], skipping the terms whose x_k is ±0:
/// the one-image product for sparse inputs (an MNIST digit is about four
/// fifths zeros, a relu code often half).
///
/// Same bits as [`vecmat`] when every row a_k that it skips is finite.
/// Then a skipped term x_k a_kj is ±0, and adding ±0 leaves a sum
/// unchanged unless the sum is −0; a sum that starts at +0 never is −0
/// (in round-to-nearest, s + t = −0 only if s = t = −0). An infinite or
/// NaN a_kj would have made the term NaN; callers that cannot promise
/// finite rows use [`vecmat`]. Shapes: out (N), x (K ≤ 65 536), a (K×N).
#[inline]
pub fn vecmat_skip_zeros<const K: usize, const N: usize>(out: &mut [f32; N], x: &[f32; K], a: &Matrix<K, N>) {
    debug_assert!(K <= 1 << 16);
    // 'compact: the k with x_k ≠ 0, in increasing order, without branches.
    let mut ks = [0u16; K];
    let mut n = 0;
    // 'g: eight inputs at a time, without branches: the mask of the nonzero
    // ones picks their offsets from a table (n ≤ 8g, so the 8 written
    // slots stay inside ks).
    let mut groups = x.chunks_exact(8);
    for (g, x8) in (&mut groups).enumerate() {
        let mut mask = 0usize;
        for (i, &v) in x8.iter().enumerate() {
            mask |= usize::from(v != 0.0) << i;
        }
        let (count, offsets) = &NONZERO_OFFSETS[mask];
        let dst: &mut [u16; 8] = (&mut ks[n..n + 8]).try_into().unwrap();
        for (d, &o) in dst.iter_mut().zip(offsets) {
            *d = (g * 8) as u16 + u16::from(o);
        }
        n += usize::from(*count);
    }
    for (k, &xk) in (K - groups.remainder().len()..).zip(groups.remainder()) {
        ks[n] = k as u16;
        n += usize::from(xk != 0.0);
    }
    out.fill(0.0);
    vecmat_dispatch(out, x, a, ks[..n].iter().map(|&k| usize::from(k)));
}

/// For each mask of 8 bits: how many are set, and their positions in
/// increasing order (the rest 0). 2.3 KB.
static NONZERO_OFFSETS: [(u8, [u8; 8]); 256] = {
    let mut table = [(0u8, [0u8; 8]); 256];
    let mut mask = 0;
    while mask < 256 {
        let (mut count, mut bit) = (0, 0);
        while bit < 8 {
            if mask & (1 << bit) != 0 {
                table[mask].1[count] = bit as u8;
                count += 1;
            }
            bit += 1;
        }
        table[mask].0 = count as u8;
        mask += 1;
    }
    table
};

/// Runs [`vecmat_acc_body`] over the rows `ks` (increasing), compiled for
/// AVX with [`VM_COLS_AVX`]-column blocks when that is enabled.
#[inline]
fn vecmat_dispatch<const K: usize, const N: usize>(
    out: &mut [f32; N],
    x: &[f32; K],
    a: &Matrix<K, N>,
    ks: impl Iterator<Item = usize> + Clone,
) {
    #[cfg(target_arch = "x86_64")]
    if crate::simd::avx_enabled() {
        crate::simd::vecmat_acc_avx(out, x, a, ks);
        return;
    }
    vecmat_acc_body::<K, N, VM_COLS>(out, x, a, ks);
}

/// The body of [`vecmat_acc`] over the rows `ks` with blocks of `VM`
/// columns, inlined into the portable and the AVX build.
#[inline(always)]
pub(crate) fn vecmat_acc_body<const K: usize, const N: usize, const VM: usize>(
    out: &mut [f32; N],
    x: &[f32; K],
    a: &Matrix<K, N>,
    ks: impl Iterator<Item = usize> + Clone,
) {
    if N <= 2 * VM_COLS {
        vecmat_block::<K, N, N>(out, x, a, 0, ks);
        return;
    }
    let mut j0 = 0;
    // 'jb: blocks of columns, widest first; each runs over every k.
    while j0 + VM <= N {
        vecmat_block::<K, N, VM>(out, x, a, j0, ks.clone());
        j0 += VM;
    }
    if VM > VM_COLS && j0 + VM_COLS <= N {
        vecmat_block::<K, N, VM_COLS>(out, x, a, j0, ks.clone());
        j0 += VM_COLS;
    }
    if j0 + 16 <= N {
        vecmat_block::<K, N, 16>(out, x, a, j0, ks.clone());
        j0 += 16;
    }
    if j0 + 8 <= N {
        vecmat_block::<K, N, 8>(out, x, a, j0, ks.clone());
        j0 += 8;
    }
    while j0 < N {
        vecmat_block::<K, N, 1>(out, x, a, j0, ks.clone());
        j0 += 1;
    }
}

/// out[j0..j0 + W] += Σ_{k in ks} x_k a[k][j0..j0 + W], each column's terms
/// added in the order of `ks` to a register copy of the block.
#[inline(always)]
fn vecmat_block<const K: usize, const N: usize, const W: usize>(
    out: &mut [f32; N],
    x: &[f32; K],
    a: &Matrix<K, N>,
    j0: usize,
    ks: impl Iterator<Item = usize>,
) {
    let o: &mut [f32; W] = (&mut out[j0..j0 + W]).try_into().unwrap();
    let mut s = *o;
    for k in ks {
        let (xk, arow) = (x[k], &a.0[k]);
        let r: &[f32; W] = arow[j0..j0 + W].try_into().unwrap();
        for (sj, &v) in s.iter_mut().zip(r) {
            *sj += xk * v;
        }
    }
    *o = s;
}

/// out = xᵀ·A (= Aᵀx). Shapes: out (N), x (K), a (K×N).
/// out_j = ((x_0 a_0j + x_1 a_1j) + …), summed from 0.
#[inline]
pub fn vecmat<const K: usize, const N: usize>(out: &mut [f32; N], x: &[f32; K], a: &Matrix<K, N>) {
    out.fill(0.0);
    vecmat_acc(out, x, a);
}

/// out[i] += Σ_j a[i][j] (row sums, each in column order). Shapes: out (R), a (R×C).
#[inline]
pub fn row_sums_acc<const R: usize, const C: usize>(out: &mut [f32; R], a: &Matrix<R, C>) {
    for (o, row) in out.iter_mut().zip(&a.0) {
        let mut s = 0.0;
        for &v in row {
            s += v;
        }
        *o += s;
    }
}

/// out[j] += Σ_i a[i][j] (column sums, each in row order). Shapes: out (C), a (R×C).
#[inline]
pub fn col_sums_acc<const R: usize, const C: usize>(out: &mut [f32; C], a: &Matrix<R, C>) {
    for row in &a.0 {
        for (o, &v) in out.iter_mut().zip(row) {
            *o += v;
        }
    }
}

/// Slow, obviously-correct products, one entry at a time straight from the
/// definition: with f64 accumulation (to check accuracy), and as the naive
/// f32 loop (`*_seq`, which defines the summation order). Tests compare the
/// fast forms to both: within rounding of the first, bit for bit to the
/// second.
pub mod reference {
    use super::Matrix;

    /// A·B.
    #[must_use]
    pub fn matmul<const M: usize, const K: usize, const N: usize>(a: &Matrix<M, K>, b: &Matrix<K, N>) -> Matrix<M, N> {
        Matrix::from_fn(|i, j| (0..K).map(|k| a.0[i][k] as f64 * b.0[k][j] as f64).sum::<f64>() as f32)
    }

    /// Aᵀ·B.
    #[must_use]
    pub fn matmul_at_b<const M: usize, const K: usize, const N: usize>(a: &Matrix<K, M>, b: &Matrix<K, N>) -> Matrix<M, N> {
        Matrix::from_fn(|i, j| (0..K).map(|k| a.0[k][i] as f64 * b.0[k][j] as f64).sum::<f64>() as f32)
    }

    /// A·Bᵀ.
    #[must_use]
    pub fn matmul_a_bt<const M: usize, const K: usize, const N: usize>(a: &Matrix<M, K>, b: &Matrix<N, K>) -> Matrix<M, N> {
        Matrix::from_fn(|i, j| (0..K).map(|k| a.0[i][k] as f64 * b.0[j][k] as f64).sum::<f64>() as f32)
    }

    /// A·x.
    #[must_use]
    pub fn matvec<const M: usize, const K: usize>(a: &Matrix<M, K>, x: &[f32; K]) -> [f32; M] {
        core::array::from_fn(|i| (0..K).map(|k| a.0[i][k] as f64 * x[k] as f64).sum::<f64>() as f32)
    }

    /// xᵀ·A.
    #[must_use]
    pub fn vecmat<const K: usize, const N: usize>(x: &[f32; K], a: &Matrix<K, N>) -> [f32; N] {
        core::array::from_fn(|j| (0..K).map(|k| x[k] as f64 * a.0[k][j] as f64).sum::<f64>() as f32)
    }

    /// init + A·B as the naive f32 loop: each entry starts from its `init`
    /// value and adds a_ik b_kj for k = 0, 1, … in order. Every fast product
    /// must equal this bit for bit (pass zeros as `init` for the overwrite
    /// forms).
    #[must_use]
    pub fn matmul_seq<const M: usize, const K: usize, const N: usize>(
        init: &Matrix<M, N>,
        a: &Matrix<M, K>,
        b: &Matrix<K, N>,
    ) -> Matrix<M, N> {
        Matrix::from_fn(|i, j| (0..K).fold(init.0[i][j], |s, k| s + a.0[i][k] * b.0[k][j]))
    }

    /// init + Aᵀ·B as the naive f32 loop (see [`matmul_seq`]).
    #[must_use]
    pub fn matmul_at_b_seq<const M: usize, const K: usize, const N: usize>(
        init: &Matrix<M, N>,
        a: &Matrix<K, M>,
        b: &Matrix<K, N>,
    ) -> Matrix<M, N> {
        Matrix::from_fn(|i, j| (0..K).fold(init.0[i][j], |s, k| s + a.0[k][i] * b.0[k][j]))
    }

    /// init + A·Bᵀ as the naive f32 loop (see [`matmul_seq`]).
    #[must_use]
    pub fn matmul_a_bt_seq<const M: usize, const K: usize, const N: usize>(
        init: &Matrix<M, N>,
        a: &Matrix<M, K>,
        b: &Matrix<N, K>,
    ) -> Matrix<M, N> {
        Matrix::from_fn(|i, j| (0..K).fold(init.0[i][j], |s, k| s + a.0[i][k] * b.0[j][k]))
    }

    /// init + A·x as the naive f32 loop (see [`matmul_seq`]).
    #[must_use]
    pub fn matvec_seq<const M: usize, const K: usize>(init: &[f32; M], a: &Matrix<M, K>, x: &[f32; K]) -> [f32; M] {
        core::array::from_fn(|i| (0..K).fold(init[i], |s, k| s + a.0[i][k] * x[k]))
    }

    /// init + xᵀ·A as the naive f32 loop (see [`matmul_seq`]).
    #[must_use]
    pub fn vecmat_seq<const K: usize, const N: usize>(init: &[f32; N], x: &[f32; K], a: &Matrix<K, N>) -> [f32; N] {
        core::array::from_fn(|j| (0..K).fold(init[j], |s, k| s + x[k] * a.0[k][j]))
    }

    /// Row sums.
    #[must_use]
    pub fn row_sums<const R: usize, const C: usize>(a: &Matrix<R, C>) -> [f32; R] {
        core::array::from_fn(|i| a.0[i].iter().map(|&v| v as f64).sum::<f64>() as f32)
    }

    /// Column sums.
    #[must_use]
    pub fn col_sums<const R: usize, const C: usize>(a: &Matrix<R, C>) -> [f32; C] {
        core::array::from_fn(|j| (0..R).map(|i| a.0[i][j] as f64).sum::<f64>() as f32)
    }
}
