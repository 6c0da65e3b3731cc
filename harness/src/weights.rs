//! Weights as `.safetensors` files: one little-endian F32 tensor per
//! parameter block, named and shaped as the model documents, readable by
//! the Python `safetensors` package. Loading checks names, shapes and
//! sizes and returns a one-line error for anything else.

use crate::Result;
use kernel::ParamBlocks;
use safetensors::tensor::{Dtype, TensorView};
use std::collections::HashMap;
use std::path::Path;

/// Serialises `params` with `shapes` (in block order) and string `metadata`.
pub fn to_bytes<P: ParamBlocks>(params: &P, shapes: &[Vec<usize>], metadata: &[(&str, String)]) -> Result<Vec<u8>> {
    let blocks = params.blocks();
    if blocks.len() != shapes.len() {
        return Err("internal: shape list does not match the parameter blocks".into());
    }
    let bytes: Vec<Vec<u8>> = blocks
        .iter()
        .map(|(_, b)| b.iter().flat_map(|v| v.to_le_bytes()).collect())
        .collect();
    let mut views = Vec::with_capacity(blocks.len());
    for (((name, _), data), shape) in blocks.iter().zip(&bytes).zip(shapes) {
        views.push((
            *name,
            TensorView::new(Dtype::F32, shape.clone(), data).map_err(|e| format!("tensor {name}: {e}"))?,
        ));
    }
    // One metadata key whose value is a JSON object in the given order: the
    // safetensors crate writes a HashMap, whose order would vary between runs.
    let fields: serde_json::Map<String, serde_json::Value> = metadata
        .iter()
        .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.clone())))
        .collect();
    let meta: HashMap<String, String> = [("harness".to_string(), serde_json::Value::Object(fields).to_string())].into();
    Ok(safetensors::serialize(views, &Some(meta)).map_err(|e| format!("cannot serialise weights: {e}"))?)
}

/// Writes `params` to `path` atomically.
pub fn save<P: ParamBlocks>(path: &Path, params: &P, shapes: &[Vec<usize>], metadata: &[(&str, String)]) -> Result<()> {
    crate::io::write_atomic(path, &to_bytes(params, shapes, metadata)?)
}

/// Reads the tensors of `bytes` into `params`, checking that the file holds
/// exactly the expected names with the expected shapes and dtype F32.
pub fn from_bytes<P: ParamBlocks>(params: &mut P, shapes: &[Vec<usize>], bytes: &[u8], what: &str) -> Result<()> {
    let st = safetensors::SafeTensors::deserialize(bytes).map_err(|e| format!("{what}: not a valid safetensors file ({e})"))?;
    let names: Vec<&'static str> = params.blocks().iter().map(|(n, _)| *n).collect();
    if st.len() != names.len() {
        return Err(format!(
            "{what}: holds {} tensors, expected {} ({})",
            st.len(),
            names.len(),
            names.join(", ")
        )
        .into());
    }
    for ((name, shape), dst) in names.iter().zip(shapes).zip(params.blocks_mut()) {
        let t = st.tensor(name).map_err(|_| format!("{what}: missing tensor `{name}`"))?;
        if t.dtype() != Dtype::F32 {
            return Err(format!("{what}: tensor `{name}` has dtype {:?}, expected F32", t.dtype()).into());
        }
        if t.shape() != shape.as_slice() {
            return Err(format!("{what}: tensor `{name}` has shape {:?}, expected {:?}", t.shape(), shape).into());
        }
        let data = t.data();
        if data.len() != dst.len() * 4 {
            return Err(format!("{what}: tensor `{name}` holds {} bytes, expected {}", data.len(), dst.len() * 4).into());
        }
        for (d, c) in dst.iter_mut().zip(data.chunks_exact(4)) {
            *d = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        }
    }
    Ok(())
}

/// Loads `path` into `params` (see [`from_bytes`]).
pub fn load<P: ParamBlocks>(path: &Path, params: &mut P, shapes: &[Vec<usize>]) -> Result<()> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: cannot read ({e})", path.display()))?;
    from_bytes(params, shapes, &bytes, &path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::boxed::boxed_zeroed;
    use kernel::autoencoder::Autoencoder;
    use rand_core::SeedableRng;

    #[test]
    fn round_trip_is_bit_exact_and_checks_shapes() {
        let mut a: Box<Autoencoder<784, 16>> = boxed_zeroed();
        a.init_uniform(&mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3));
        let shapes = vec![vec![16, 784], vec![16], vec![784, 16], vec![784]];
        let bytes = to_bytes(&*a, &shapes, &[("model", "test".into())]).unwrap();
        let mut b: Box<Autoencoder<784, 16>> = boxed_zeroed();
        from_bytes(&mut *b, &shapes, &bytes, "mem").unwrap();
        for ((_, x), (_, y)) in a.blocks().iter().zip(b.blocks().iter()) {
            assert!(x.iter().zip(y.iter()).all(|(p, q)| p.to_bits() == q.to_bits()));
        }
        let wrong = vec![vec![784, 16], vec![16], vec![784, 16], vec![784]];
        let err = from_bytes(&mut *b, &wrong, &bytes, "mem").unwrap_err().to_string();
        assert!(err.contains("shape") && !err.contains('\n'), "{err}");
        // Saving twice gives the same bytes (the header has a fixed order).
        assert_eq!(bytes, to_bytes(&*a, &shapes, &[("model", "test".into())]).unwrap());
    }
}
