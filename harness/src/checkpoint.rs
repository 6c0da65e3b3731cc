//! Training checkpoints: parameters, Adam's two moments and step count, the
//! generator's state and the position in the epoch, in one `.safetensors`
//! file written atomically, so that `--resume` continues a run bit for bit.
//!
//! Tensors: `param/NAME`, `adam_m/NAME`, `adam_v/NAME` for every parameter
//! block, and `order` (U32, the current epoch's image order). The metadata
//! key `checkpoint` holds the pair (the run's settings, [`State`]) as JSON.

use crate::Result;
use kernel::ParamBlocks;
use rand_xoshiro::Xoshiro256PlusPlus;
use safetensors::tensor::{Dtype, TensorView};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

/// Where the loop is, and what it has measured so far.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct State {
    /// Epochs completed.
    pub epoch: usize,
    /// Steps completed within the current epoch.
    pub step_in_epoch: usize,
    /// Adam steps completed.
    pub steps: u64,
    /// Summed objective of the current epoch's completed steps.
    pub epoch_sum: f64,
    /// Objective per completed epoch.
    pub loss_curve: Vec<f64>,
    /// Objective per completed step.
    pub step_losses: Vec<f64>,
    /// Training seconds so far.
    pub seconds: f64,
    /// The run's generator, as of the end of the last completed step.
    pub rng: Xoshiro256PlusPlus,
}

/// The file name inside a run folder.
pub const FILE: &str = "checkpoint.safetensors";

fn le_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Writes a checkpoint atomically.
#[allow(clippy::too_many_arguments)]
pub fn save<P: ParamBlocks>(
    path: &Path,
    params: &P,
    m: &P,
    v: &P,
    shapes: &[Vec<usize>],
    order: &[u32],
    state: &State,
    settings: &str,
) -> Result<()> {
    let mut owned: Vec<(String, Vec<usize>, Vec<u8>, Dtype)> = Vec::new();
    for (prefix, p) in [("param", params), ("adam_m", m), ("adam_v", v)] {
        for ((name, block), shape) in p.blocks().iter().zip(shapes) {
            owned.push((format!("{prefix}/{name}"), shape.clone(), le_bytes(block), Dtype::F32));
        }
    }
    owned.push((
        "order".into(),
        vec![order.len()],
        order.iter().flat_map(|x| x.to_le_bytes()).collect(),
        Dtype::U32,
    ));
    let mut views = Vec::with_capacity(owned.len());
    for (name, shape, bytes, dtype) in &owned {
        views.push((
            name.as_str(),
            TensorView::new(*dtype, shape.clone(), bytes).map_err(|e| format!("checkpoint tensor {name}: {e}"))?,
        ));
    }
    // One metadata key (the crate writes a HashMap, whose order varies).
    let meta: HashMap<String, String> = [("checkpoint".to_string(), serde_json::to_string(&(settings, state))?)].into();
    let bytes = safetensors::serialize(views, &Some(meta)).map_err(|e| format!("cannot serialise checkpoint: {e}"))?;
    crate::io::write_atomic(path, &bytes)
}

/// Reads a checkpoint into `params`, `m`, `v`, checking every name and
/// shape and that it was made with the same `settings`; returns the state
/// and the epoch's image order. See [`load_bytes`].
pub fn load<P: ParamBlocks>(
    path: &Path,
    params: &mut P,
    m: &mut P,
    v: &mut P,
    shapes: &[Vec<usize>],
    settings: &str,
) -> Result<(State, Vec<u32>)> {
    let what = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| format!("{what}: cannot read checkpoint ({e})"))?;
    load_bytes(&bytes, &what, params, m, v, shapes, settings)
}

/// Parses the checkpoint `bytes` into `params`, `m`, `v` (see [`load`]);
/// `what` names the source in error messages. Never panics on bad input.
pub fn load_bytes<P: ParamBlocks>(
    bytes: &[u8],
    what: &str,
    params: &mut P,
    m: &mut P,
    v: &mut P,
    shapes: &[Vec<usize>],
    settings: &str,
) -> Result<(State, Vec<u32>)> {
    let (_, header) = safetensors::SafeTensors::read_metadata(bytes).map_err(|e| format!("{what}: not a valid checkpoint ({e})"))?;
    let meta = header.metadata().clone().unwrap_or_default();
    let text = meta.get("checkpoint").ok_or_else(|| format!("{what}: checkpoint has no state"))?;
    let (saved, state): (String, State) = serde_json::from_str(text).map_err(|e| format!("{what}: bad checkpoint state ({e})"))?;
    if saved != settings {
        return Err(format!("{what}: checkpoint was made with other settings ({saved}); this run has {settings}").into());
    }
    let st = safetensors::SafeTensors::deserialize(bytes).map_err(|e| format!("{what}: not a valid checkpoint ({e})"))?;
    for (prefix, p) in [("param", params), ("adam_m", m), ("adam_v", v)] {
        let names: Vec<&'static str> = p.blocks().iter().map(|(n, _)| *n).collect();
        for ((name, shape), dst) in names.iter().zip(shapes).zip(p.blocks_mut()) {
            let full = format!("{prefix}/{name}");
            let t = st.tensor(&full).map_err(|_| format!("{what}: missing tensor `{full}`"))?;
            if t.dtype() != Dtype::F32 || t.shape() != shape.as_slice() || t.data().len() != dst.len() * 4 {
                return Err(format!(
                    "{what}: tensor `{full}` has dtype {:?} and shape {:?}, expected F32 {:?}",
                    t.dtype(),
                    t.shape(),
                    shape
                )
                .into());
            }
            for (d, c) in dst.iter_mut().zip(t.data().chunks_exact(4)) {
                *d = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
            }
        }
    }
    let t = st.tensor("order").map_err(|_| format!("{what}: missing tensor `order`"))?;
    if t.dtype() != Dtype::U32 {
        return Err(format!("{what}: tensor `order` is not U32").into());
    }
    let order = t
        .data()
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    Ok((state, order))
}
