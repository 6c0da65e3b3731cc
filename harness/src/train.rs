//! The training loop every model shares: batches, Adam steps, both cores,
//! loss curves and timing.
//!
//! Determinism across thread counts: a step's images are cut into chunks of
//! at most [`Trainable::CHUNK`] images (the kernel's fixed-size unit), and
//! the chunks into [`SHARDS`] contiguous shards. Each shard's gradient is
//! accumulated from zero over its chunks in order, and the shard gradients
//! are then added in shard order. Threads only decide *who* computes a
//! shard, never the order of any sum, so a run is bit-identical for any
//! `--threads`.

use crate::boxed::{boxed_zeroed, Zeroable};
use crate::checkpoint::{self, State};
use crate::mnist::{Split, PIXELS};
use crate::Result;
use kernel::optim::Adam;
use kernel::ParamBlocks;
use rand_core::RngCore;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// Number of shards a step's batch is cut into (fixed: see the module doc).
pub const SHARDS: usize = 8;

/// A model the shared loop can train: the kernel's forward and backward over
/// one chunk of images, plus what the loop needs to know of its shapes.
pub trait Trainable: Sync {
    /// Parameters (also their gradient and Adam's moments).
    type Params: ParamBlocks + Zeroable + Send + Sync;
    /// One chunk's workspace: the input rows and the kernel's node values.
    type Work: Zeroable + Send;
    /// Images per kernel call.
    const CHUNK: usize;
    /// Standard normals each image consumes per step (the VAE's ε; 0 otherwise).
    const NOISE: usize;

    /// Tensor shapes, in the order of `ParamBlocks::blocks`.
    fn shapes(&self) -> Vec<Vec<usize>>;
    /// Initialises parameters from the run's generator.
    fn init(&self, params: &mut Self::Params, rng: &mut Xoshiro256PlusPlus);
    /// Copies image rows and noise into the workspace.
    fn load(&self, work: &mut Self::Work, images: &[&[f32; PIXELS]], noise: &[f32]);
    /// Forward + backward on the loaded rows: `grad += ∂E/∂θ` for E averaged
    /// over `n_total` images; returns the summed (not averaged) objective.
    fn chunk_grad(&self, params: &Self::Params, grad: &mut Self::Params, work: &mut Self::Work, rows: usize, n_total: usize) -> f64;
    /// Forward only: the summed objective of the loaded rows.
    fn chunk_loss(&self, params: &Self::Params, work: &mut Self::Work, rows: usize) -> f64;

    /// [`Trainable::chunk_grad`] on a full chunk of images that lie one
    /// after another in memory (`x`, [`Trainable::CHUNK`] rows), read where
    /// they are instead of copied by [`Trainable::load`]; the same bits.
    /// `None`: the model has no such path, and the loop copies.
    fn chunk_grad_in_place(
        &self,
        _params: &Self::Params,
        _grad: &mut Self::Params,
        _work: &mut Self::Work,
        _x: &[[f32; PIXELS]],
        _n_total: usize,
    ) -> Option<f64> {
        None
    }

    /// [`Trainable::chunk_loss`] likewise.
    fn chunk_loss_in_place(&self, _params: &Self::Params, _work: &mut Self::Work, _x: &[[f32; PIXELS]]) -> Option<f64> {
        None
    }
}

/// Images `range` as the stored rows they are, when they are a full chunk
/// and the model takes no noise (the full-batch autoencoder's order, and
/// every evaluation).
fn in_place_rows<T: Trainable>(data: &Split, range: std::ops::Range<usize>) -> Option<&[[f32; PIXELS]]> {
    (T::NOISE == 0 && range.len() == T::CHUNK).then(|| data.rows(range.start, T::CHUNK))
}

/// The images `idx` as a range, when they are consecutive.
fn consecutive(idx: &[u32]) -> Option<std::ops::Range<usize>> {
    let first = *idx.first()? as usize;
    idx.windows(2).all(|w| w[1] == w[0] + 1).then_some(first..first + idx.len())
}

/// How to train.
#[derive(Clone, Debug)]
pub struct TrainConfig {
    /// Passes over the training set.
    pub epochs: usize,
    /// Images per step; `None` is the full batch (one step per epoch).
    pub batch: Option<usize>,
    /// The optimiser.
    pub adam: Adam,
    /// Worker threads.
    pub threads: usize,
}

/// What a run measured.
#[derive(Clone, Debug, Default)]
pub struct TrainOutcome {
    /// The objective per epoch (mean over the epoch's images, before each update).
    pub loss_curve: Vec<f64>,
    /// The objective per step.
    pub step_losses: Vec<f64>,
    /// Wall-clock seconds per epoch, training only.
    pub seconds_per_epoch: f64,
    /// Adam steps taken.
    pub steps: u64,
}

/// Reusable buffers of a run: one gradient per shard, one workspace per thread.
pub struct Buffers<T: Trainable> {
    grads: Vec<Box<T::Params>>,
    works: Vec<Box<T::Work>>,
}

impl<T: Trainable> Buffers<T> {
    /// Buffers for `threads` workers.
    #[must_use]
    pub fn new(threads: usize) -> Self {
        Buffers {
            grads: (0..SHARDS).map(|_| boxed_zeroed()).collect(),
            works: (0..threads.max(1)).map(|_| boxed_zeroed()).collect(),
        }
    }
}

/// The range of chunks shard `s` of `n_chunks` owns: ⌊sC/8⌋.. of C chunks
/// when there are at least [`SHARDS`] chunks, else chunk s alone for the
/// first C shards and nothing for the rest. (Below 8 chunks the first
/// formula also gives every non-empty shard one chunk, in the same order,
/// so the two agree on every sum; this form puts the empty shards last,
/// where [`active_shards`] leaves them out.)
fn shard_range(s: usize, n_chunks: usize) -> std::ops::Range<usize> {
    if n_chunks < SHARDS {
        if s < n_chunks {
            s..s + 1
        } else {
            0..0
        }
    } else {
        (s * n_chunks / SHARDS)..((s + 1) * n_chunks / SHARDS)
    }
}

/// The shards that own chunks: 0..this. The others would contribute
/// gradients of exactly +0, which leave every sum unchanged (accumulated
/// gradients start at +0 and are never −0), so they are neither zeroed,
/// computed nor added.
fn active_shards(n_chunks: usize) -> usize {
    n_chunks.min(SHARDS)
}

/// Runs `per_shard(shard, work, g)` for shards 0, 1, … (one per entry of
/// `grads`) of a step of `n_chunks` chunks on the worker threads and returns
/// the shard results in shard order. Each thread takes a contiguous run of
/// shards holding about its share of the chunks, so that uneven shards
/// (12 chunks make shards of 1 and 2) still split the work evenly; which
/// thread runs a shard never changes a result.
fn over_shards<W: Send, G: Send, R: Send>(
    works: &mut [Box<W>],
    grads: Vec<G>,
    n_chunks: usize,
    per_shard: &(impl Fn(usize, &mut W, G) -> R + Sync),
) -> Vec<R> {
    let threads = works.len();
    let mut slots: Vec<Vec<(usize, G)>> = (0..threads).map(|_| Vec::new()).collect();
    for (s, g) in grads.into_iter().enumerate() {
        let owner = shard_range(s, n_chunks).start * threads / n_chunks.max(1);
        slots[owner.min(threads - 1)].push((s, g));
    }
    let mut results: Vec<(usize, R)> = std::thread::scope(|scope| {
        let handles: Vec<_> = works
            .iter_mut()
            .zip(slots)
            .map(|(w, jobs)| scope.spawn(move || jobs.into_iter().map(|(s, g)| (s, per_shard(s, w, g))).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("worker thread panicked"))
            .collect()
    });
    results.sort_by_key(|(s, _)| *s);
    results.into_iter().map(|(_, r)| r).collect()
}

/// One step's gradient over `batch` (indices into `data`) with `noise`
/// (NOISE values per image, in batch order): returns the summed objective
/// and leaves ∂E/∂θ (E averaged over the batch) in `bufs.grads[0]`.
pub fn batch_gradient<T: Trainable>(
    model: &T,
    params: &T::Params,
    bufs: &mut Buffers<T>,
    data: &Split,
    batch: &[u32],
    noise: &[f32],
) -> f64 {
    let n_chunks = batch.len().div_ceil(T::CHUNK);
    let active = active_shards(n_chunks);
    let grads: Vec<&mut T::Params> = bufs.grads[..active].iter_mut().map(|g| &mut **g).collect();
    let losses = over_shards(&mut bufs.works, grads, n_chunks, &|s, work: &mut T::Work, grad: &mut T::Params| {
        grad.zero();
        let mut sum = 0.0f64;
        for c in shard_range(s, n_chunks) {
            let idx = &batch[c * T::CHUNK..((c + 1) * T::CHUNK).min(batch.len())];
            if let Some(x) = consecutive(idx).and_then(|r| in_place_rows::<T>(data, r)) {
                if let Some(v) = model.chunk_grad_in_place(params, grad, work, x, batch.len()) {
                    sum += v;
                    continue;
                }
            }
            let images: Vec<&[f32; PIXELS]> = idx.iter().map(|&i| data.image(i as usize)).collect();
            let nz = &noise[(c * T::CHUNK * T::NOISE).min(noise.len())..((c * T::CHUNK + idx.len()) * T::NOISE).min(noise.len())];
            model.load(work, &images, nz);
            sum += model.chunk_grad(params, grad, work, idx.len(), batch.len());
        }
        sum
    });
    if active == 0 {
        bufs.grads[0].zero();
    }
    sum_shards(&mut bufs.grads[..active.max(1)], bufs.works.len());
    losses.iter().sum()
}

/// `grads[0] += grads[1]`, then `+= grads[2]`, … (each element summed in
/// shard order, as one thread would), the elements split among `threads`.
fn sum_shards<P: ParamBlocks>(grads: &mut [Box<P>], threads: usize) {
    let (first, rest) = grads.split_at_mut(1);
    if rest.is_empty() {
        return;
    }
    let total: usize = first[0].blocks().iter().map(|(_, b)| b.len()).sum();
    if threads <= 1 || total < PARALLEL_MIN {
        for g in rest.iter() {
            first[0].add_assign(g);
        }
        return;
    }
    let sources: Vec<_> = rest.iter().map(|g| g.blocks()).collect();
    type Piece<'a> = (&'a mut [f32], Vec<&'a [f32]>);
    let mut jobs: Vec<Vec<Piece<'_>>> = (0..threads).map(|_| Vec::new()).collect();
    for (b, dst) in first[0].blocks_mut().into_iter().enumerate() {
        let per = piece_len(dst.len(), threads);
        for (t, (job, piece)) in jobs.iter_mut().zip(dst.chunks_mut(per)).enumerate() {
            let at = t * per..t * per + piece.len();
            job.push((piece, sources.iter().map(|src| &src[b].1[at.clone()]).collect()));
        }
    }
    run_jobs(jobs, |(dst, srcs)| {
        for src in srcs {
            for (d, &v) in dst.iter_mut().zip(src) {
                *d += v;
            }
        }
    });
}

/// Runs `f` on every piece of `jobs[t]` on thread t, all threads at once.
fn run_jobs<J: Send>(jobs: Vec<Vec<J>>, f: impl Fn(J) + Sync) {
    let f = &f;
    std::thread::scope(|scope| {
        for job in jobs {
            scope.spawn(move || job.into_iter().for_each(f));
        }
    });
}

/// Cuts a block of `len` elements into `threads` contiguous pieces: the
/// length of each but the last.
fn piece_len(len: usize, threads: usize) -> usize {
    len.div_ceil(threads).max(1)
}

/// Parameters below which one thread sums the shards and takes the Adam
/// step alone (spawning costs more than it saves).
const PARALLEL_MIN: usize = 1 << 16;

/// One Adam step (`kernel::optim::Adam::update_block_with`, with std's
/// vectorisable `f32::sqrt`) of the whole model, each block cut into
/// `threads` contiguous pieces updated in parallel. The update is
/// elementwise, so the result is the same bits as one thread's, and as
/// `Adam::step`'s (both square roots are correctly rounded).
pub fn adam_step<P: ParamBlocks>(adam: &Adam, params: &mut P, m: &mut P, v: &mut P, grad: &P, k: u32, threads: usize) {
    let total: usize = grad.blocks().iter().map(|(_, g)| g.len()).sum();
    if threads <= 1 || total < PARALLEL_MIN {
        adam.step_with(params, m, v, grad, k, f32::sqrt);
        return;
    }
    type Piece<'a> = (&'a mut [f32], &'a mut [f32], &'a mut [f32], &'a [f32]);
    let mut jobs: Vec<Vec<Piece<'_>>> = (0..threads).map(|_| Vec::new()).collect();
    let g = grad.blocks();
    for (((w, m), v), (_, g)) in params.blocks_mut().into_iter().zip(m.blocks_mut()).zip(v.blocks_mut()).zip(g) {
        let per = piece_len(w.len(), threads);
        let pieces = w.chunks_mut(per).zip(m.chunks_mut(per)).zip(v.chunks_mut(per)).zip(g.chunks(per));
        for (job, (((w, m), v), g)) in jobs.iter_mut().zip(pieces) {
            job.push((w, m, v, g));
        }
    }
    run_jobs(jobs, |(w, m, v, g)| adam.update_block_with(w, m, v, g, k, f32::sqrt));
}

/// The summed objective over `data` (all images, in order) with `noise`.
pub fn dataset_loss<T: Trainable>(model: &T, params: &T::Params, bufs: &mut Buffers<T>, data: &Split, noise: &[f32]) -> f64 {
    let n = data.len();
    let n_chunks = n.div_ceil(T::CHUNK);
    let losses = over_shards(
        &mut bufs.works,
        vec![(); active_shards(n_chunks)],
        n_chunks,
        &|s, work: &mut T::Work, ()| {
            let mut sum = 0.0f64;
            for c in shard_range(s, n_chunks) {
                let range = c * T::CHUNK..((c + 1) * T::CHUNK).min(n);
                if let Some(x) = in_place_rows::<T>(data, range.clone()) {
                    if let Some(v) = model.chunk_loss_in_place(params, work, x) {
                        sum += v;
                        continue;
                    }
                }
                let images: Vec<&[f32; PIXELS]> = range.clone().map(|i| data.image(i)).collect();
                let nz = &noise[(range.start * T::NOISE).min(noise.len())..(range.end * T::NOISE).min(noise.len())];
                model.load(work, &images, nz);
                sum += model.chunk_loss(params, work, range.len());
            }
            sum
        },
    );
    losses.iter().sum()
}

/// `n` standard normals from the run's generator, in order.
#[must_use]
pub fn normals(rng: &mut Xoshiro256PlusPlus, n: usize) -> Vec<f32> {
    let mut v = vec![0.0; n];
    kernel::rng::fill_normal(rng, &mut v);
    v
}

/// Checks a gradient for NaN or ±inf, naming the block.
pub fn check_finite<P: ParamBlocks>(grad: &P, step: u64) -> Result<()> {
    // Whole runs of 256 first (a branch-free fold, which vectorises), then
    // the bad run's first bad value.
    let first_bad = |block: &[f32]| {
        let run = block.chunks(256).position(|c| !c.iter().fold(true, |ok, v| ok & v.is_finite()))?;
        block[run * 256..].iter().position(|v| !v.is_finite()).map(|i| run * 256 + i)
    };
    for (name, block) in grad.blocks() {
        if let Some(i) = first_bad(block) {
            return Err(format!(
                "training diverged at step {step}: gradient of `{name}` is {} at index {i}",
                block[i]
            )
            .into());
        }
    }
    Ok(())
}

/// Checkpoints and resumption of one run.
#[derive(Clone, Debug, Default)]
pub struct Checkpointing {
    /// Where to write the checkpoint (none: no checkpoints).
    pub path: Option<PathBuf>,
    /// Also write one every this many seconds of training (besides each epoch's end).
    pub every_seconds: Option<f64>,
    /// Continue from the checkpoint at `path`.
    pub resume: bool,
    /// The run's settings as text; a resumed run must have the same.
    pub settings: String,
}

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Makes Ctrl-C (SIGINT) stop training after the current step, with a
/// checkpoint. Call once, from `main`.
pub fn install_interrupt_handler() {
    let _ = ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst));
}

/// Trains `params` in place with Adam; `on_step(step, loss)` reports progress.
///
/// With `ckpt.path`, a checkpoint (parameters, Adam state, generator state,
/// position) is written atomically at the end of every epoch, every
/// `ckpt.every_seconds`, and when Ctrl-C stops the run; with `ckpt.resume`
/// the run continues from it and ends bit-identical to an uninterrupted one.
/// A NaN or infinity in the objective or in any gradient stops training with
/// an error naming the step and the block; the last good checkpoint stays.
#[allow(clippy::too_many_arguments)]
pub fn train<T: Trainable>(
    model: &T,
    params: &mut T::Params,
    data: &Split,
    cfg: &TrainConfig,
    rng: &mut Xoshiro256PlusPlus,
    ckpt: &Checkpointing,
    mut on_step: impl FnMut(u64, f64),
) -> Result<TrainOutcome> {
    let mut bufs = Buffers::<T>::new(cfg.threads);
    let mut m: Box<T::Params> = boxed_zeroed();
    let mut v: Box<T::Params> = boxed_zeroed();
    let n = data.len();
    let batch = cfg.batch.unwrap_or(n).min(n);
    let shapes = model.shapes();
    let mut order: Vec<u32> = (0..n as u32).collect();
    let mut st = State {
        epoch: 0,
        step_in_epoch: 0,
        steps: 0,
        epoch_sum: 0.0,
        loss_curve: vec![],
        step_losses: vec![],
        seconds: 0.0,
        rng: rng.clone(),
    };
    if ckpt.resume {
        let path = ckpt.path.as_ref().ok_or("--resume needs a checkpoint path")?;
        let (state, saved_order) = checkpoint::load(path, params, &mut m, &mut v, &shapes, &ckpt.settings)?;
        if saved_order.len() != n {
            return Err(format!("{}: checkpoint covers {} images, this run {n}", path.display(), saved_order.len()).into());
        }
        (st, order) = (state, saved_order);
        *rng = st.rng.clone();
    }
    let save = |st: &State, order: &[u32], params: &T::Params, m: &T::Params, v: &T::Params| -> Result<()> {
        match &ckpt.path {
            Some(p) => checkpoint::save(p, params, m, v, &shapes, order, st, &ckpt.settings),
            None => Ok(()),
        }
    };
    let mut last_save = Instant::now();
    while st.epoch < cfg.epochs {
        if st.step_in_epoch == 0 {
            // Each epoch's order depends only on the generator: identity, then shuffled.
            order.iter_mut().enumerate().for_each(|(i, o)| *o = i as u32);
            if cfg.batch.is_some() {
                shuffle(&mut order, rng);
            }
            st.epoch_sum = 0.0;
        }
        let steps_in_epoch = n.div_ceil(batch);
        while st.step_in_epoch < steps_in_epoch {
            let start = Instant::now();
            let idx = &order[st.step_in_epoch * batch..((st.step_in_epoch + 1) * batch).min(n)];
            let noise = if T::NOISE > 0 {
                normals(rng, idx.len() * T::NOISE)
            } else {
                Vec::new()
            };
            let sum = batch_gradient(model, params, &mut bufs, data, idx, &noise);
            let step = st.steps + 1;
            let loss = sum / idx.len() as f64;
            if !loss.is_finite() {
                return Err(format!("training diverged at step {step}: the objective is {loss}; the last good checkpoint is kept").into());
            }
            check_finite(&*bufs.grads[0], step)?;
            adam_step(&cfg.adam, params, &mut m, &mut v, &bufs.grads[0], step as u32, bufs.works.len());
            st.steps = step;
            st.step_in_epoch += 1;
            st.step_losses.push(loss);
            st.epoch_sum += sum;
            st.seconds += start.elapsed().as_secs_f64();
            on_step(step, loss);
            if st.step_in_epoch == steps_in_epoch {
                st.loss_curve.push(st.epoch_sum / n as f64);
                st.epoch += 1;
                st.step_in_epoch = 0;
            }
            let interrupted = INTERRUPTED.load(Ordering::SeqCst);
            let due = ckpt.every_seconds.is_some_and(|s| last_save.elapsed().as_secs_f64() >= s);
            if st.step_in_epoch == 0 || interrupted || due {
                st.rng = rng.clone();
                save(&st, &order, params, &m, &v)?;
                last_save = Instant::now();
            }
            if interrupted {
                let how = if ckpt.path.is_some() {
                    "a checkpoint is saved; continue with --resume"
                } else {
                    "no checkpoint was requested"
                };
                return Err(format!("interrupted after step {step} ({how})").into());
            }
            if st.step_in_epoch == 0 {
                break;
            }
        }
    }
    let seconds_per_epoch = if cfg.epochs > 0 { st.seconds / cfg.epochs as f64 } else { 0.0 };
    Ok(TrainOutcome {
        loss_curve: st.loss_curve,
        step_losses: st.step_losses,
        seconds_per_epoch,
        steps: st.steps,
    })
}

/// Fisher–Yates with the run's generator (uniform index by rejection-free
/// multiply-shift; deterministic for a given generator state).
pub fn shuffle(v: &mut [u32], rng: &mut Xoshiro256PlusPlus) {
    for i in (1..v.len()).rev() {
        let j = ((rng.next_u32() as u64 * (i as u64 + 1)) >> 32) as usize;
        v.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::autoencoder::Model;
    use kernel::loss::Loss;
    use kernel::Activation;
    use rand_core::SeedableRng;

    /// The same model without its in-place path: every chunk is copied.
    struct Copying<T>(T);

    impl<T: Trainable> Trainable for Copying<T> {
        type Params = T::Params;
        type Work = T::Work;
        const CHUNK: usize = T::CHUNK;
        const NOISE: usize = T::NOISE;
        fn shapes(&self) -> Vec<Vec<usize>> {
            self.0.shapes()
        }
        fn init(&self, params: &mut Self::Params, rng: &mut Xoshiro256PlusPlus) {
            self.0.init(params, rng);
        }
        fn load(&self, work: &mut Self::Work, images: &[&[f32; PIXELS]], noise: &[f32]) {
            self.0.load(work, images, noise);
        }
        fn chunk_grad(&self, params: &Self::Params, grad: &mut Self::Params, work: &mut Self::Work, rows: usize, n_total: usize) -> f64 {
            self.0.chunk_grad(params, grad, work, rows, n_total)
        }
        fn chunk_loss(&self, params: &Self::Params, work: &mut Self::Work, rows: usize) -> f64 {
            self.0.chunk_loss(params, work, rows)
        }
    }

    fn train_bits<T: Trainable>(model: &T, data: &Split) -> (Vec<u32>, Vec<f64>, f64) {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(4);
        let mut params: Box<T::Params> = boxed_zeroed();
        model.init(&mut params, &mut rng);
        let cfg = TrainConfig {
            epochs: 2,
            batch: None,
            adam: Adam::ASSIGNMENT_AUTOENCODER,
            threads: 2,
        };
        let out = train(model, &mut params, data, &cfg, &mut rng, &Checkpointing::default(), |_, _| {}).unwrap();
        let loss = dataset_loss(model, &params, &mut Buffers::<T>::new(2), data, &[]);
        let bits = params.blocks().iter().flat_map(|(_, b)| b.iter().map(|v| v.to_bits())).collect();
        (bits, out.loss_curve, loss)
    }

    /// Full chunks of consecutive images are read where they are stored
    /// (the full-batch autoencoder, evaluation); the results are the bits
    /// of copying them. 250 images: two chunks in place, one partial copied.
    #[test]
    fn rows_read_in_place_give_the_bits_of_copied_rows() {
        let images: Vec<f32> = (0..250 * PIXELS)
            .map(|i| if i % 3 == 0 { 0.0 } else { ((i * 7919) % 1000) as f32 / 1000.0 })
            .collect();
        let data = Split {
            images,
            labels: vec![0; 250],
        };
        let model = Model::<5> {
            loss: Loss::CrossEntropy,
            phi: Activation::Relu,
        };
        let idx: Vec<u32> = (100..200).collect();
        assert_eq!(consecutive(&idx), Some(100..200));
        assert_eq!(consecutive(&[3, 4, 6]), None);
        assert!(in_place_rows::<Model<5>>(&data, 100..200).is_some());
        assert!(in_place_rows::<Model<5>>(&data, 101..200).is_none());
        let direct = train_bits(&model, &data);
        let copied = train_bits(&Copying(model), &data);
        assert_eq!(direct, copied);
    }
}
