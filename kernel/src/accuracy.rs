//! Measuring the activations against f64 (docs/01-logistic-regression.md,
//! "Accuracy"). Used by the release-mode sweep test and by
//! `harness -- accuracy`, which covers all 2^32 inputs.

/// The distance in units in the last place between two f32 values: the
/// number of representable f32 values between them (+0 and −0 count as one).
/// NaN against anything is `u32::MAX`.
#[inline]
#[must_use]
pub fn ulp_distance(a: f32, b: f32) -> u32 {
    if a.is_nan() || b.is_nan() {
        return if a.is_nan() && b.is_nan() { 0 } else { u32::MAX };
    }
    let ord = |x: f32| {
        let bits = x.to_bits() as i64;
        if bits & 0x8000_0000 != 0 {
            -(bits & 0x7fff_ffff)
        } else {
            bits
        }
    };
    (ord(a) - ord(b)).unsigned_abs().min(u32::MAX as u64) as u32
}

/// f64 references: the same mathematical functions evaluated in double
/// precision, whose rounding to f32 is the correctly rounded result except
/// in vanishingly rare near-halfway cases.
pub mod reference {
    /// σ(x) in f64.
    #[must_use]
    pub fn sigmoid(x: f64) -> f64 {
        if x >= 0.0 {
            1.0 / (1.0 + libm::exp(-x))
        } else {
            let e = libm::exp(x);
            e / (1.0 + e)
        }
    }

    /// log σ(x) in f64.
    #[must_use]
    pub fn log_sigmoid(x: f64) -> f64 {
        if x >= 0.0 {
            -libm::log1p(libm::exp(-x))
        } else {
            x - libm::log1p(libm::exp(x))
        }
    }

    /// softplus(x) = log(1 + e^x) in f64.
    #[must_use]
    pub fn softplus(x: f64) -> f64 {
        -log_sigmoid(-x)
    }

    /// tanh(x) in f64.
    #[must_use]
    pub fn tanh(x: f64) -> f64 {
        libm::tanh(x)
    }

    /// e^{−|x|} in f64, 0 where the kernel's contract flushes it
    /// (−|x| < [`crate::lanes::EXP_MIN`]).
    #[must_use]
    pub fn exp_neg_abs(x: f64) -> f64 {
        let t = -x.abs();
        if t < crate::lanes::EXP_MIN as f64 {
            0.0
        } else {
            libm::exp(t)
        }
    }

    /// σ(x) in f64, 0 where [`crate::lanes::sigmoid`]'s e^{−|x|} is flushed
    /// (x < [`crate::lanes::EXP_MIN`], where the true σ is subnormal).
    #[must_use]
    pub fn sigmoid_flushed(x: f64) -> f64 {
        if x < crate::lanes::EXP_MIN as f64 {
            0.0
        } else {
            sigmoid(x)
        }
    }

    /// ln(1 + u) in f64, u = [`super::fold_unit`](x).
    #[must_use]
    pub fn ln_1p_folded(x: f64) -> f64 {
        libm::log1p(super::fold_unit(x as f32) as f64)
    }
}

/// Maps every f32 into [0, 1] (|x|, or 1/|x| above 1, in f32), so that a
/// sweep of all bit patterns covers the domain of [`crate::lanes::ln_1p_unit`].
#[inline]
#[must_use]
pub fn fold_unit(x: f32) -> f32 {
    let a = x.abs();
    if a > 1.0 {
        1.0 / a
    } else {
        a
    }
}

fn exp_neg_abs(x: f32) -> f32 {
    crate::lanes::exp_nonpositive(-x.abs())
}

fn ln_1p_folded(x: f32) -> f32 {
    crate::lanes::ln_1p_unit(fold_unit(x))
}

/// One function under test: its name, the f32 kernel and the f64 reference.
pub type Probe = (&'static str, fn(f32) -> f32, fn(f64) -> f64);

/// The functions whose ULP bound (2) the kernel promises: the activations
/// (see [`crate::activation`]) and the training loop's branch-free e^x and
/// ln(1 + u) ([`crate::lanes`]) over their domains, every f32 folded in,
/// and the branch-free σ of the loss and of inference.
pub const PROBES: [Probe; 7] = [
    ("sigmoid", crate::activation::sigmoid, reference::sigmoid),
    ("log_sigmoid", crate::activation::log_sigmoid, reference::log_sigmoid),
    ("softplus", crate::activation::softplus, reference::softplus),
    ("tanh", crate::activation::tanh, reference::tanh),
    ("lanes::exp_nonpositive(-|x|)", exp_neg_abs, reference::exp_neg_abs),
    ("lanes::ln_1p_unit(fold(x))", ln_1p_folded, reference::ln_1p_folded),
    ("lanes::sigmoid", crate::lanes::sigmoid, reference::sigmoid_flushed),
];

/// The result of sweeping a set of inputs through one function.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SweepStats {
    /// Inputs tried.
    pub count: u64,
    /// Largest ULP distance over finite inputs.
    pub max_ulp: u32,
    /// An input where `max_ulp` occurs.
    pub worst_input: f32,
    /// Finite inputs that gave NaN.
    pub nan_outputs: u64,
    /// Finite inputs that gave ±inf where the reference is finite in f32.
    pub inf_outputs: u64,
}

impl SweepStats {
    /// Adds one input's outcome.
    #[inline]
    pub fn record(&mut self, x: f32, f: fn(f32) -> f32, reference: fn(f64) -> f64) {
        if !x.is_finite() {
            return;
        }
        self.count += 1;
        let y = f(x);
        let r = reference(x as f64) as f32;
        if y.is_nan() {
            self.nan_outputs += 1;
        } else if y.is_infinite() && r.is_finite() {
            self.inf_outputs += 1;
        }
        let d = ulp_distance(y, r);
        if d > self.max_ulp {
            self.max_ulp = d;
            self.worst_input = x;
        }
    }

    /// Combines two sweeps over disjoint inputs (worst input of the larger error;
    /// on a tie, of `self`).
    #[must_use]
    pub fn merge(mut self, other: SweepStats) -> SweepStats {
        self.count += other.count;
        self.nan_outputs += other.nan_outputs;
        self.inf_outputs += other.inf_outputs;
        if other.max_ulp > self.max_ulp {
            self.max_ulp = other.max_ulp;
            self.worst_input = other.worst_input;
        }
        self
    }

    /// Sweeps the bit patterns `start, start + stride, …` below `end`.
    #[must_use]
    pub fn sweep(probe: &Probe, start: u64, end: u64, stride: u64) -> SweepStats {
        let mut s = SweepStats::default();
        let mut b = start;
        while b < end {
            s.record(f32::from_bits(b as u32), probe.1, probe.2);
            b += stride;
        }
        s
    }
}
