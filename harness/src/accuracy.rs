//! `harness accuracy`: every one of the 2^32 f32 bit patterns through the
//! activations whose ULP bound the kernel promises (sigmoid, log_sigmoid,
//! softplus, tanh), against their f64 references, on all cores
//! (docs/01-logistic-regression.md, "Accuracy").

use kernel::accuracy::{SweepStats, PROBES};
use std::time::Instant;

/// The sweep's result for one function.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Row {
    /// Function name.
    pub function: &'static str,
    /// Finite inputs tried.
    pub inputs: u64,
    /// Largest ULP distance from the f64 reference rounded to f32.
    pub max_ulp: u32,
    /// An input where it occurs.
    pub worst_input: f32,
    /// Finite inputs that gave NaN.
    pub nan_outputs: u64,
    /// Finite inputs that gave ±inf where the rounded reference is finite.
    pub inf_outputs: u64,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// Sweeps bit patterns `0..end` with the given stride on `threads` threads.
#[must_use]
pub fn sweep(end: u64, stride: u64, threads: usize) -> Vec<Row> {
    PROBES
        .iter()
        .map(|probe| {
            let start = Instant::now();
            let threads = threads.max(1) as u64;
            // Interleaved blocks of 2^20 patterns so the threads share the slow regions.
            let block = (1u64 << 20) * stride;
            let stats = std::thread::scope(|s| {
                let handles: Vec<_> = (0..threads)
                    .map(|t| {
                        s.spawn(move || {
                            let mut acc = SweepStats::default();
                            let mut b = t * block;
                            while b < end {
                                acc = acc.merge(SweepStats::sweep(probe, b, (b + block).min(end), stride));
                                b += threads * block;
                            }
                            acc
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("sweep thread panicked"))
                    .fold(SweepStats::default(), SweepStats::merge)
            });
            Row {
                function: probe.0,
                inputs: stats.count,
                max_ulp: stats.max_ulp,
                worst_input: stats.worst_input,
                nan_outputs: stats.nan_outputs,
                inf_outputs: stats.inf_outputs,
                seconds: start.elapsed().as_secs_f64(),
            }
        })
        .collect()
}

/// The rows as a Markdown table.
#[must_use]
pub fn table(rows: &[Row]) -> String {
    let mut s =
        String::from("| function | finite inputs | max ULP | worst input | NaN outputs | inf outputs |\n|---|---|---|---|---|---|\n");
    for r in rows {
        s += &format!(
            "| {} | {} | {} | {:e} (bits {:#010x}) | {} | {} |\n",
            r.function,
            r.inputs,
            r.max_ulp,
            r.worst_input,
            r.worst_input.to_bits(),
            r.nan_outputs,
            r.inf_outputs
        );
    }
    s
}

/// The exhaustive sweep; an error if any bound is broken.
pub fn run(threads: usize) -> crate::Result<Vec<Row>> {
    let rows = sweep(1 << 32, 1, threads);
    print!("{}", table(&rows));
    if let Some(r) = rows.iter().find(|r| r.max_ulp > 2 || r.nan_outputs > 0 || r.inf_outputs > 0) {
        return Err(format!("{} breaks its bound: {} ULP at {:e}", r.function, r.max_ulp, r.worst_input).into());
    }
    Ok(rows)
}
