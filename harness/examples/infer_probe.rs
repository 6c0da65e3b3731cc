//! Best-of-7 time of one-image inference by the autoencoder (784-30-784),
//! cycling over 2 000 test images, with the time of each stage:
//! `cargo run --release -p harness --example infer_probe`.
use harness::bench::AeInference;
use kernel::inference::{packed_forward, sigmoid_inplace, PackedLinear};
use std::hint::black_box;
use std::time::Instant;

fn best_ns(images: usize, mut f: impl FnMut(usize)) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..7 {
        let t = Instant::now();
        for i in 0..images {
            f(i);
        }
        best = best.min(t.elapsed().as_secs_f64() / images as f64 * 1e9);
    }
    best
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::enable_simd();
    let data = harness::mnist::load(std::path::Path::new("harness/data/mnist"), false)?;
    let n = 2000;
    let images: Vec<&[f32; 784]> = (0..n).map(|i| data.test.image(i)).collect();
    let mut ae = AeInference::new();
    let whole = best_ns(n, |i| {
        ae.run(black_box(images[i]));
        black_box(&ae.y);
    });
    let enc: &PackedLinear<784, 30> = &ae.packed().enc;
    let mut code = [0.0f32; 30];
    let encode = best_ns(n, |i| {
        packed_forward(&mut code, black_box(images[i]), enc);
        black_box(&code);
    });
    let dec: &PackedLinear<30, 784> = &ae.packed().dec;
    let mut y = [0.0f32; 784];
    let decode = best_ns(n, |i| {
        code[0] = i as f32 * 1e-4;
        packed_forward(&mut y, black_box(&code), dec);
        black_box(&y);
    });
    let sig = best_ns(n, |i| {
        y[0] = i as f32;
        sigmoid_inplace(black_box(&mut y));
        black_box(&y);
    });
    let mut ks = [0u16; 792];
    let mut tot = 0;
    let comp = best_ns(n, |i| {
        tot += compact3(black_box(images[i]), &mut ks);
        black_box(&ks);
    });
    println!("compaction {comp:.0} ns, {} nonzero per image", tot / 7 / n);
    println!("reconstruct {whole:.0} ns; encoder {encode:.0} ns, decoder {decode:.0} ns, sigmoid {sig:.0} ns");
    Ok(())
}

#[allow(dead_code)]
#[inline(never)]
pub fn compact(x: &[f32; 784], ks: &mut [u16; 784]) -> usize {
    let mut n = 0;
    for (k, &xk) in x.iter().enumerate() {
        ks[n] = k as u16;
        n += usize::from(xk != 0.0);
    }
    n
}

#[allow(dead_code)]
#[inline(never)]
pub fn compact2(x: &[f32; 784], ks: &mut [u16; 784]) -> usize {
    let mut n = 0;
    for (w, x32) in x.chunks(32).enumerate() {
        let mut m = 0u32;
        for (i, &v) in x32.iter().enumerate() {
            m |= u32::from(v != 0.0) << i;
        }
        while m != 0 {
            ks[n] = (w * 32) as u16 + m.trailing_zeros() as u16;
            n += 1;
            m &= m - 1;
        }
    }
    n
}

const fn lut() -> [[u8; 8]; 256] {
    let mut t = [[0u8; 8]; 256];
    let mut m = 0;
    while m < 256 {
        let mut n = 0;
        let mut i = 0;
        while i < 8 {
            if m & (1 << i) != 0 {
                t[m][n] = i as u8;
                n += 1;
            }
            i += 1;
        }
        m += 1;
    }
    t
}
static LUT: [[u8; 8]; 256] = lut();

#[allow(dead_code)]
#[inline(never)]
pub fn compact3(x: &[f32; 784], ks: &mut [u16; 784 + 8]) -> usize {
    let mut n = 0;
    for (g, x8) in x.chunks_exact(8).enumerate() {
        let mut m = 0usize;
        for (i, &v) in x8.iter().enumerate() {
            m |= usize::from(v != 0.0) << i;
        }
        let dst: &mut [u16; 8] = (&mut ks[n..n + 8]).try_into().unwrap();
        for (d, &o) in dst.iter_mut().zip(&LUT[m]) {
            *d = (g * 8) as u16 + u16::from(o);
        }
        n += m.count_ones() as usize;
    }
    n
}
