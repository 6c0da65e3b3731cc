//! Small dense linear algebra in f64 for the convexity evidence of Ex 1.2
//! and Ex 3.6: the eigenvalues of a symmetric Hessian block
//! (docs/01-logistic-regression.md, docs/03-autoencoder.md).

/// The eigenvalues of the symmetric matrix `a` (N × N), by cyclic Jacobi
/// rotations; `a` is overwritten (it ends diagonal). Returned in ascending
/// order. Converges quadratically; 100 sweeps is far more than N ≤ 128 needs.
#[must_use]
pub fn symmetric_eigenvalues<const N: usize>(a: &mut [[f64; N]; N]) -> [f64; N] {
    for _sweep in 0..100 {
        let mut off = 0.0;
        let mut diag = 0.0;
        for (i, row) in a.iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                if i == j {
                    diag += v * v;
                } else {
                    off += v * v;
                }
            }
        }
        if off <= 1e-30 * diag || off == 0.0 {
            break;
        }
        for p in 0..N {
            for q in p + 1..N {
                let apq = a[p][q];
                if apq == 0.0 {
                    continue;
                }
                // The rotation that zeroes a[p][q] (Golub & Van Loan, alg. 8.4.1).
                let theta = (a[q][q] - a[p][p]) / (2.0 * apq);
                let t = if theta >= 0.0 {
                    1.0 / (theta + libm::sqrt(1.0 + theta * theta))
                } else {
                    -1.0 / (-theta + libm::sqrt(1.0 + theta * theta))
                };
                let c = 1.0 / libm::sqrt(1.0 + t * t);
                let s = t * c;
                for row in a.iter_mut() {
                    let (akp, akq) = (row[p], row[q]);
                    row[p] = c * akp - s * akq;
                    row[q] = s * akp + c * akq;
                }
                let (lo, hi) = a.split_at_mut(q);
                for (apk, aqk) in lo[p].iter_mut().zip(hi[0].iter_mut()) {
                    let (x, y) = (*apk, *aqk);
                    *apk = c * x - s * y;
                    *aqk = s * x + c * y;
                }
            }
        }
    }
    let mut ev: [f64; N] = core::array::from_fn(|i| a[i][i]);
    ev.sort_unstable_by(f64::total_cmp);
    ev
}
