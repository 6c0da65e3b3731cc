//! Fixed-size row-major f32 matrices and the products a backward pass needs.
//!
//! Naming follows the maths: `matmul` is A·B, `matmul_at_b` is Aᵀ·B,
//! `matmul_a_bt` is A·Bᵀ, `matvec` is A·x and `vecmat` is xᵀ·A (= Aᵀx).
//! Arguments come in llm.c's order: output first, then inputs; the shapes
//! are in the types. Each product has an overwrite form and an accumulating
//! `_acc` form (`out += …`), since backward passes accumulate.
//!
//! Determinism: every output element is a sum in a fixed order that does not
//! depend on the target's vector width. Products whose inner loop runs along
//! an output row (`matmul`, `matmul_at_b`, `vecmat`) add the k-th term to
//! each element in k order, which LLVM vectorises across the row without
//! reordering any sum. Products that reduce along a row (`matmul_a_bt`,
//! `matvec`) use [`dot`], which keeps [`LANES`] explicit partial sums and
//! combines them in a fixed tree. The results are bit-identical on any
//! x86-64 or aarch64 machine (Rust never contracts a·b + c into an FMA).
//!
//! [`reference`] holds the slow, obviously-correct versions (f64
//! accumulation) that the tests compare against.

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
/// last, in order.
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
    let mut s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (a, b) in xt.iter().zip(yt) {
        s += a * b;
    }
    s
}

/// out += alpha · x (elementwise, in order).
#[inline]
pub fn axpy(out: &mut [f32], alpha: f32, x: &[f32]) {
    debug_assert_eq!(out.len(), x.len());
    for (o, &v) in out.iter_mut().zip(x) {
        *o += alpha * v;
    }
}

/// out += A·B. Shapes: out (M×N), a (M×K), b (K×N).
#[inline]
pub fn matmul_acc<const M: usize, const K: usize, const N: usize>(out: &mut Matrix<M, N>, a: &Matrix<M, K>, b: &Matrix<K, N>) {
    for (orow, arow) in out.0.iter_mut().zip(&a.0) {
        for (&aik, brow) in arow.iter().zip(&b.0) {
            axpy(orow, aik, brow);
        }
    }
}

/// out = A·B. Shapes: out (M×N), a (M×K), b (K×N).
#[inline]
pub fn matmul<const M: usize, const K: usize, const N: usize>(out: &mut Matrix<M, N>, a: &Matrix<M, K>, b: &Matrix<K, N>) {
    out.fill_zero();
    matmul_acc(out, a, b);
}

/// out += Aᵀ·B. Shapes: out (M×N), a (K×M), b (K×N).
#[inline]
pub fn matmul_at_b_acc<const M: usize, const K: usize, const N: usize>(out: &mut Matrix<M, N>, a: &Matrix<K, M>, b: &Matrix<K, N>) {
    for (arow, brow) in a.0.iter().zip(&b.0) {
        for (orow, &aki) in out.0.iter_mut().zip(arow) {
            axpy(orow, aki, brow);
        }
    }
}

/// out = Aᵀ·B. Shapes: out (M×N), a (K×M), b (K×N).
#[inline]
pub fn matmul_at_b<const M: usize, const K: usize, const N: usize>(out: &mut Matrix<M, N>, a: &Matrix<K, M>, b: &Matrix<K, N>) {
    out.fill_zero();
    matmul_at_b_acc(out, a, b);
}

/// out += A·Bᵀ. Shapes: out (M×N), a (M×K), b (N×K).
#[inline]
pub fn matmul_a_bt_acc<const M: usize, const K: usize, const N: usize>(out: &mut Matrix<M, N>, a: &Matrix<M, K>, b: &Matrix<N, K>) {
    for (orow, arow) in out.0.iter_mut().zip(&a.0) {
        for (o, brow) in orow.iter_mut().zip(&b.0) {
            *o += dot(arow, brow);
        }
    }
}

/// out = A·Bᵀ. Shapes: out (M×N), a (M×K), b (N×K).
#[inline]
pub fn matmul_a_bt<const M: usize, const K: usize, const N: usize>(out: &mut Matrix<M, N>, a: &Matrix<M, K>, b: &Matrix<N, K>) {
    for (orow, arow) in out.0.iter_mut().zip(&a.0) {
        for (o, brow) in orow.iter_mut().zip(&b.0) {
            *o = dot(arow, brow);
        }
    }
}

/// out += A·x. Shapes: out (M), a (M×K), x (K).
#[inline]
pub fn matvec_acc<const M: usize, const K: usize>(out: &mut [f32; M], a: &Matrix<M, K>, x: &[f32; K]) {
    for (o, arow) in out.iter_mut().zip(&a.0) {
        *o += dot(arow, x);
    }
}

/// out = A·x. Shapes: out (M), a (M×K), x (K).
#[inline]
pub fn matvec<const M: usize, const K: usize>(out: &mut [f32; M], a: &Matrix<M, K>, x: &[f32; K]) {
    for (o, arow) in out.iter_mut().zip(&a.0) {
        *o = dot(arow, x);
    }
}

/// out += xᵀ·A (= Aᵀx). Shapes: out (N), x (K), a (K×N).
#[inline]
pub fn vecmat_acc<const K: usize, const N: usize>(out: &mut [f32; N], x: &[f32; K], a: &Matrix<K, N>) {
    for (&xk, arow) in x.iter().zip(&a.0) {
        axpy(out, xk, arow);
    }
}

/// out = xᵀ·A (= Aᵀx). Shapes: out (N), x (K), a (K×N).
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

/// Slow, obviously-correct products with f64 accumulation, one entry at a
/// time straight from the definition. Tests compare the fast forms to these.
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
