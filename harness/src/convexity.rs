//! Convexity evidence from sampled slices: the smallest second difference
//! along a slice. A negative one (beyond rounding) proves the function is
//! not convex; none is evidence, not proof (docs/01, Ex 1.6/1.7; docs/03,
//! Ex 3.7/3.8).

/// The smallest second difference of a 2-D grid (`ny` rows × `nx` columns,
/// row-major), along rows, columns and both diagonals, each divided by the
/// squared step of its direction. Returns (value, row, column).
#[must_use]
pub fn min_second_difference_2d(v: &[f64], nx: usize, ny: usize, dx: f64, dy: f64) -> (f64, usize, usize) {
    let at = |i: usize, j: usize| v[i * nx + j];
    let mut best = (f64::INFINITY, 0, 0);
    for i in 0..ny {
        for j in 0..nx {
            let mut consider = |d: f64| {
                if d < best.0 {
                    best = (d, i, j);
                }
            };
            if j > 0 && j + 1 < nx {
                consider((at(i, j - 1) - 2.0 * at(i, j) + at(i, j + 1)) / (dx * dx));
            }
            if i > 0 && i + 1 < ny {
                consider((at(i - 1, j) - 2.0 * at(i, j) + at(i + 1, j)) / (dy * dy));
                if j > 0 && j + 1 < nx {
                    let dd = dx * dx + dy * dy;
                    consider((at(i - 1, j - 1) - 2.0 * at(i, j) + at(i + 1, j + 1)) / dd);
                    consider((at(i - 1, j + 1) - 2.0 * at(i, j) + at(i + 1, j - 1)) / dd);
                }
            }
        }
    }
    best
}

/// The smallest second difference of a 1-D slice, divided by step²; (value, index).
#[must_use]
pub fn min_second_difference_1d(v: &[f64], step: f64) -> (f64, usize) {
    let (d, _, j) = min_second_difference_2d(v, v.len(), 1, step, 1.0);
    (d, j)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bowl_is_convex_and_saddle_is_not() {
        let n = 21;
        let grid = |f: &dyn Fn(f64, f64) -> f64| -> Vec<f64> {
            (0..n * n)
                .map(|k| f((k % n) as f64 * 0.1 - 1.0, (k / n) as f64 * 0.1 - 1.0))
                .collect()
        };
        let bowl = grid(&|x, y| x * x + 2.0 * y * y);
        let (d, _, _) = min_second_difference_2d(&bowl, n, n, 0.1, 0.1);
        assert!((d - 2.0).abs() < 1e-9, "{d}");
        let saddle = grid(&|x, y| x * y);
        let (d, _, _) = min_second_difference_2d(&saddle, n, n, 0.1, 0.1);
        assert!((d + 1.0).abs() < 1e-9, "{d}"); // the anti-diagonal: −2·0.01/0.02
        let (d, i) = min_second_difference_1d(&[0.0, 1.0, 1.5, 1.0, 3.0], 1.0);
        assert_eq!((d, i), (-1.0, 2));
    }
}
