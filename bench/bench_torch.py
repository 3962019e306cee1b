#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The PyTorch side of the benchmark: the same problem as our engine.

VGG19 features to relu5_1 with random weights (He initialisation, seed 0),
content loss at relu4_2, style losses at relu1_1 .. relu5_1 with Gram
matrices over C*H*W, total variation, Adam on the pixels, clamped to 0..1.
Per size: seconds per iteration (median of the timed iterations after
warm-up), GFLOP/s from the convolutions' multiply-adds (forward and
backward to the input: 2 x forward), and the process's peak resident memory.

  bench_torch.py SIZE [SIZE...] [--iterations N] [--warmup N] [--device cpu|cuda]

Prints one line per size:  torch SIZE SECONDS_PER_ITER GFLOPS PEAK_MIB
"""
import argparse
import os
import resource
import statistics
import sys
import time

import torch
import torch.nn.functional as F

CONVS = [(3, 64), (64, 64), "pool", (64, 128), (128, 128), "pool",
         (128, 256), (256, 256), (256, 256), (256, 256), "pool",
         (256, 512), (512, 512), (512, 512), (512, 512), "pool", (512, 512)]
STYLE = {0, 2, 4, 8, 12}      # indices among the convs: conv1_1 .. conv5_1
CONTENT = 9                   # conv4_2
MEAN = torch.tensor([0.485, 0.456, 0.406])[:, None, None]
STD = torch.tensor([0.229, 0.224, 0.225])[:, None, None]


def make_weights(device):
    g = torch.Generator().manual_seed(0)
    weights = []
    for layer in CONVS:
        if layer == "pool":
            continue
        cin, cout = layer
        w = torch.randn(cout, cin, 3, 3, generator=g) * (2.0 / (cin * 9)) ** 0.5
        weights.append((w.to(device), torch.zeros(cout, device=device)))
    return weights


def features(x, weights):
    h = ((x - MEAN.to(x.device)) / STD.to(x.device))[None]
    out, k = {}, 0
    for layer in CONVS:
        if layer == "pool":
            h = F.max_pool2d(h, 2, 2)
            continue
        w, b = weights[k]
        h = F.relu(F.conv2d(h, w, b, padding=1))
        out[k] = h[0]
        k += 1
    return out


def gram(f):
    flat = f.reshape(f.shape[0], -1)
    return flat @ flat.t() / flat.numel()


def conv_flops(size):
    flops, s = 0, size
    for layer in CONVS:
        if layer == "pool":
            s //= 2
            continue
        cin, cout = layer
        flops += 2 * cin * cout * 9 * s * s
    return 2 * flops          # forward + backward to the input


def bench(size, iterations, warmup, device):
    weights = make_weights(device)
    g = torch.Generator().manual_seed(1)
    content = torch.rand(3, size, size, generator=g).to(device)
    style = torch.rand(3, size, size, generator=g).to(device)
    with torch.no_grad():
        targets = {k: gram(v) for k, v in features(style, weights).items()
                   if k in STYLE}
        content_target = features(content, weights)[CONTENT]
    x = content.clone().requires_grad_(True)
    adam = torch.optim.Adam([x], lr=0.02)
    times = []
    for step in range(warmup + iterations):
        start = time.perf_counter()
        adam.zero_grad()
        feats = features(x, weights)
        loss = sum(((gram(feats[k]) - a) ** 2).sum() for k, a in targets.items())
        loss = loss + ((feats[CONTENT] - content_target) ** 2).sum()
        loss = loss + ((x[:, :, 1:] - x[:, :, :-1]) ** 2).sum()
        loss.backward()
        adam.step()
        with torch.no_grad():
            x.clamp_(0, 1)
        if device == "cuda":
            torch.cuda.synchronize()
        if step >= warmup:
            times.append(time.perf_counter() - start)
    seconds = statistics.median(times)
    if device == "cuda":
        peak = torch.cuda.max_memory_allocated() / 2**20
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return seconds, conv_flops(size) / seconds / 1e9, peak


def blas_loaded():
    """The BLAS library this process has mapped after a matrix product."""
    torch.ones(64, 64) @ torch.ones(64, 64)
    with open("/proc/self/maps") as maps:
        for line in maps:
            if "blas" in line.lower():
                return line.split()[-1]
    return "none mapped (torch's own kernels)"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", type=int, nargs="+")
    parser.add_argument("--iterations", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--device", default="auto",
                        help="cpu, cuda, or auto: cuda where there is one")
    args = parser.parse_args()
    if args.device == "auto":
        args.device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.set_num_threads(os.cpu_count() or 1)
    print("# torch %s on %s, %d threads, BLAS: %s" % (
        torch.__version__, args.device, torch.get_num_threads(),
        blas_loaded()), flush=True)
    for size in args.sizes:
        seconds, gflops, peak = bench(size, args.iterations, args.warmup,
                                      args.device)
        print("torch %d %.4f %.1f %.0f" % (size, seconds, gflops, peak),
              flush=True)


if __name__ == "__main__":
    sys.exit(main())
