//! Fuzzes the two `.safetensors` readers: `weights::from_bytes` (trained
//! weights) and `checkpoint::load_bytes` (parameters, Adam moments, state).
//! Arbitrary bytes must give `Ok` or an error, never a panic, an overflow or
//! an out-of-memory; weights that load must survive a save/load round trip
//! bit for bit, and an error message must be one line naming the source.
//!
//! The readers are generic over the model (they check names, dtypes and
//! shapes from `ParamBlocks`), so the target uses a tiny 6-2-6 autoencoder:
//! the same code paths as 784-30-784, with inputs small enough that libFuzzer
//! mutates the header and the tensors, not megabytes of floats. The seeds
//! (`make_seeds.py`) are files of exactly this model.

#![no_main]

use harness::boxed::boxed_zeroed;
use harness::{checkpoint, weights};
use kernel::autoencoder::Autoencoder;
use kernel::ParamBlocks;
use libfuzzer_sys::fuzz_target;

/// Input pixels and hidden units of the tiny model.
const D: usize = 6;
const H: usize = 2;
/// The settings string of the seed checkpoint, so that mutants of it get
/// past the settings check to the tensors.
const SETTINGS: &str = "fuzz tiny autoencoder 6-2-6";

type Params = Autoencoder<D, H>;

/// The shapes in block order (w1, b1, w2, b2), as `Model::shapes` gives them.
fn shapes() -> Vec<Vec<usize>> {
    vec![vec![H, D], vec![H], vec![D, H], vec![D]]
}

/// Every parameter's bits, block after block.
fn bits(p: &Params) -> Vec<u32> {
    p.blocks().iter().flat_map(|(_, b)| b.iter().map(|x| x.to_bits())).collect()
}

/// An error message is one line and starts with the name of its source.
fn check_message(msg: &str, what: &str) {
    assert!(!msg.contains('\n') && !msg.contains('\r'), "multi-line message: {msg:?}");
    assert!(msg.starts_with(what), "message does not name {what}: {msg}");
}

fuzz_target!(|data: &[u8]| {
    let shapes = shapes();

    let mut params: Box<Params> = boxed_zeroed();
    match weights::from_bytes(&mut *params, &shapes, data, "fuzz.safetensors") {
        Ok(()) => {
            let bytes = weights::to_bytes(&*params, &shapes, &[("fuzz", "round trip".into())]).expect("weights that load also save");
            let mut again: Box<Params> = boxed_zeroed();
            weights::from_bytes(&mut *again, &shapes, &bytes, "round trip").expect("saved weights load");
            assert!(bits(&params) == bits(&again), "weights changed in a save/load round trip");
        }
        Err(e) => check_message(&e.to_string(), "fuzz.safetensors"),
    }

    let (mut p, mut m, mut v): (Box<Params>, Box<Params>, Box<Params>) = (boxed_zeroed(), boxed_zeroed(), boxed_zeroed());
    if let Err(e) = checkpoint::load_bytes(data, "fuzz checkpoint", &mut *p, &mut *m, &mut *v, &shapes, SETTINGS) {
        check_message(&e.to_string(), "fuzz checkpoint");
    }
});
