#!/usr/bin/env bash
# Runs the same work in the harness and, where `python3 -c "import torch"`
# works, in PyTorch float32 with the same thread count, on this machine in
# one run, and prints each ratio (PyTorch time / harness time: > 1 means the
# harness is faster). Not part of CI.
#   bash harness/bench/compare.sh [THREADS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
threads="${1:-$(nproc)}"
cd "$root"
cargo build --release -p harness >/dev/null
ours="$(./target/release/harness bench --threads "$threads")"
echo "harness: $ours"
if ! python3 -c "import torch" 2>/dev/null; then
  echo "PyTorch is not installed (pip install torch numpy); only the harness's figures are shown."
  exit 0
fi
theirs="$(python3 "$here/pytorch_reference.py" --threads "$threads" --data-dir "$root/harness/data/mnist")"
echo "pytorch: $theirs"
python3 - "$ours" "$theirs" <<'PY'
import json, sys
o, t = json.loads(sys.argv[1]), json.loads(sys.argv[2])
rows = [
    ("full-batch autoencoder epoch (s)", "ae_epoch_s", 4.0),
    ("appendix VAE epoch, batches of 600 (s)", "vae_appendix_epoch_s", 2.0),
    ("784-400-20 VAE epoch, batches of 128 (s)", "vae_elbo_epoch_s", 2.0),
    ("single-image autoencoder reconstruction (us)", "ae_infer_us", 20.0),
    ("single-code VAE decode (us)", "vae_decode_us", None),
]
print(f"{'work':48} {'harness':>10} {'pytorch':>10} {'speed-up':>9} {'goal':>6}")
for name, key, goal in rows:
    ratio = t[key] / o[key]
    verdict = "" if goal is None else ("met" if ratio >= goal else "MISSED")
    print(f"{name:48} {o[key]:10.4g} {t[key]:10.4g} {ratio:8.2f}x {('>=' + str(goal) + 'x ' + verdict) if goal else ''}")
# The kernel's products are single-threaded (training spreads shards over the
# cores instead), so its GFLOP/s is set beside PyTorch's one-thread sgemm.
frac = o["gemm_ae_shapes_gflops"] / t["sgemm_large_gflops_1t"]
print(f"{'kernel GFLOP/s, autoencoder shapes, 1 thread':48} {o['gemm_ae_shapes_gflops']:10.4g} {t['sgemm_large_gflops_1t']:10.4g} {frac:8.0%} of large sgemm, 1 thread (goal >= 50%: {'met' if frac >= 0.5 else 'MISSED'})")
print(f"{'(PyTorch large sgemm, ' + str(t['threads']) + ' threads, GFLOP/s)':48} {'':10} {t['sgemm_large_gflops']:10.4g}")
PY
