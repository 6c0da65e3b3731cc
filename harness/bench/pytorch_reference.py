#!/usr/bin/env python3
"""The same work as `harness bench`, in PyTorch float32 on the CPU.

Prints one JSON object with the same keys as `harness bench`. Usage:
    python3 pytorch_reference.py --threads 2 [--data-dir harness/data/mnist]
"""
import argparse, gzip, json, os, struct, time

import numpy as np
import torch
from torch import nn


def idx_images(path):
    with gzip.open(path, "rb") as f:
        _, _, dims = struct.unpack(">HBB", f.read(4))
        shape = tuple(struct.unpack(">I", f.read(4))[0] for _ in range(dims))
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(shape[0], -1).astype(np.float32) / 255.0


def best_time(fn, repeats):
    """The best of `repeats` timings (this machine's other load only ever adds time)."""
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def per_call_us(fn, n):
    """Microseconds per call: the best of 5 runs of n calls (as `harness bench`)."""
    return best_time(lambda: [fn() for _ in range(n)], 5) / n * 1e6


class AE(nn.Module):  # eq. 97, H = 30, relu
    def __init__(self):
        super().__init__()
        self.enc, self.dec = nn.Linear(784, 30), nn.Linear(30, 784)

    def forward(self, x):
        return self.dec(torch.relu(self.enc(x)))  # logits


class AppendixVAE(nn.Module):  # the appendix's network and loss
    def __init__(self):
        super().__init__()
        self.e1, self.e2, self.e3 = nn.Linear(784, 400), nn.Linear(400, 200), nn.Linear(200, 40)
        self.d1, self.d2 = nn.Linear(40, 400), nn.Linear(400, 784)

    def loss(self, x):
        mean = torch.relu(self.e3(torch.relu(self.e2(torch.relu(self.e1(x))))))
        z = mean + torch.randn_like(mean)
        rec = torch.sigmoid(self.d2(torch.relu(self.d1(z))))
        return (((x - rec) ** 2).sum() + 0.5 * mean.pow(2).sum()) / x.shape[0]


class ElboVAE(nn.Module):  # 784-400-20-400-784, Gaussian encoder, Bernoulli decoder
    def __init__(self, z=20):
        super().__init__()
        self.e1, self.mu, self.lv = nn.Linear(784, 400), nn.Linear(400, z), nn.Linear(400, z)
        self.d1, self.d2 = nn.Linear(z, 400), nn.Linear(400, 784)

    def decode(self, z):
        return self.d2(torch.relu(self.d1(z)))

    def loss(self, x):
        h = torch.relu(self.e1(x))
        mu, lv = self.mu(h), self.lv(h)
        z = mu + torch.exp(0.5 * lv) * torch.randn_like(mu)
        rec = nn.functional.binary_cross_entropy_with_logits(self.decode(z), x, reduction="sum")
        kl = 0.5 * (mu.pow(2) + lv.exp() - 1 - lv).sum()
        return (rec + kl) / x.shape[0]


def epoch_seconds(model, loss_fn, x, batch, lr, eps, images):
    opt = torch.optim.Adam(model.parameters(), lr=lr, eps=eps)
    xs = x[:images]

    def one_epoch():
        perm = torch.randperm(xs.shape[0]) if batch < xs.shape[0] else torch.arange(xs.shape[0])
        for s in range(0, xs.shape[0], batch):
            opt.zero_grad()
            loss_fn(xs[perm[s:s + batch]]).backward()
            opt.step()

    one_epoch()  # warm-up
    return best_time(one_epoch, 3) * (x.shape[0] / images)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--data-dir", default=os.path.join(os.path.dirname(__file__), "..", "data", "mnist"))
    ap.add_argument("--vae-images", type=int, default=12000, help="images timed per VAE epoch (scaled to 60 000)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    x = torch.from_numpy(idx_images(os.path.join(a.data_dir, "train-images-idx3-ubyte.gz")))
    out = {"implementation": f"pytorch {torch.__version__}", "threads": a.threads}

    ae = AE()
    out["ae_epoch_s"] = epoch_seconds(ae, lambda b: nn.functional.binary_cross_entropy_with_logits(ae(b), b, reduction="sum") / b.shape[0], x, 60000, 0.05, 1e-10, 60000)
    vae = AppendixVAE()
    out["vae_appendix_epoch_s"] = epoch_seconds(vae, vae.loss, x, 600, 1e-3, 1e-8, a.vae_images)
    elbo = ElboVAE()
    out["vae_elbo_epoch_s"] = epoch_seconds(elbo, elbo.loss, x, 128, 1e-3, 1e-8, a.vae_images)

    one = x[:1]
    with torch.no_grad():
        for _ in range(200):
            torch.sigmoid(ae(one))
        out["ae_infer_us"] = per_call_us(lambda: torch.sigmoid(ae(one)), 1000)
        z = torch.randn(1, 20)
        out["vae_decode_us"] = per_call_us(lambda: torch.sigmoid(elbo.decode(z)), 1000)
        a_, b_ = torch.randn(2048, 2048), torch.randn(2048, 2048)
        torch.mm(a_, b_)
        s = best_time(lambda: torch.mm(a_, b_), 5)
        out["sgemm_large_gflops"] = 2 * 2048**3 / s / 1e9
        # The kernel's products run on one thread: compare like with like.
        torch.set_num_threads(1)
        torch.mm(a_, b_)
        s = best_time(lambda: torch.mm(a_, b_), 5)
        out["sgemm_large_gflops_1t"] = 2 * 2048**3 / s / 1e9
        torch.set_num_threads(a.threads)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
