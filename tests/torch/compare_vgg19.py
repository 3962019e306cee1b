#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Our engine against PyTorch on VGG19 with the same random weights.

Makes a VGG19 safetensors file of random weights (the real tensor names and
shapes) and two random-but-smooth images, runs tests/engine-dump on them
(one loss evaluation with its pixel gradient, then 50 Adam steps), does the
same in PyTorch from the same definitions, and compares:
  - the three losses of the first evaluation: relative error < 1e-3
  - the pixel gradient: max |ours - torch| / max |torch| < 1e-3
  - the total loss at steps 1, 10, ..., 50: relative error < 2e-2
Exit 77 (skip) where python3-torch is missing.

The definitions mirrored (plugin/engine/ns-stage.c):
  network input  (x - mean) / std per RGB channel, x in 0..1
  Gram           G = F F^T / (C H W)
  style loss     w_s w_l / (C^2 mean (A^2)) * sum (G - A)^2
  content loss   w_c / (C H W mean (P^2)) * sum (F - P)^2
  TV loss        w_t / (3 H W) * sum of squared neighbour differences
  Adam           torch.optim.Adam's update, then clamp to [0, 1]
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError as missing:
    print("SKIP: %s" % missing)
    sys.exit(77)

VGG19 = [  # (torchvision index, in, out) for each conv up to conv5_1
    (0, 3, 64), (2, 64, 64), "pool",
    (5, 64, 128), (7, 128, 128), "pool",
    (10, 128, 256), (12, 256, 256), (14, 256, 256), (16, 256, 256), "pool",
    (19, 256, 512), (21, 512, 512), (23, 512, 512), (25, 512, 512), "pool",
    (28, 512, 512),
]
STYLE = [0, 5, 10, 19, 28]          # conv1_1 conv2_1 conv3_1 conv4_1 conv5_1
CONTENT = 21                        # conv4_2
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
SIZE = int(os.environ.get("COMPARE_SIZE", "32"))
STEPS = int(os.environ.get("COMPARE_STEPS", "50"))
WEIGHTS = dict(content=1.0, style=10.0, tv=10.0, lr=0.02)


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, array in tensors.items():
        data = array.astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(text)))
        out.write(text)
        for blob in blobs:
            out.write(blob)


def random_weights(rng):
    tensors = {}
    for layer in VGG19:
        if layer == "pool":
            continue
        index, cin, cout = layer
        std = (2.0 / (cin * 9)) ** 0.5
        tensors["features.%d.weight" % index] = rng.normal(0, std, (cout, cin, 3, 3))
        tensors["features.%d.bias" % index] = rng.normal(0, 0.01, (cout,))
    return tensors


def smooth_image(rng, size):
    """Random colours, blurred so that features are not white noise."""
    img = torch.from_numpy(rng.random((1, 3, size // 4, size // 4)).astype("f4"))
    return F.interpolate(img, size=(size, size), mode="bilinear",
                         align_corners=False)[0].clamp(0, 1)


def features(x, tensors):
    """Post-ReLU outputs of the convs that the losses read, by index."""
    out = {}
    h = ((x - torch.tensor(MEAN)[:, None, None]) /
         torch.tensor(STD)[:, None, None])[None]
    for layer in VGG19:
        if layer == "pool":
            h = F.max_pool2d(h, 2, 2)
            continue
        index = layer[0]
        h = F.relu(F.conv2d(h, tensors["features.%d.weight" % index],
                            tensors["features.%d.bias" % index], padding=1))
        out[index] = h[0]
    return out


def gram(f):
    c = f.shape[0]
    flat = f.reshape(c, -1)
    return flat @ flat.t() / flat.numel()


def losses(x, tensors, targets):
    feats = features(x, tensors)
    style = 0.0
    for index in STYLE:
        a = targets["style"][index]
        c = a.shape[0]
        style = style + WEIGHTS["style"] * ((gram(feats[index]) - a) ** 2).sum() / (
            c * c * max((a * a).mean().item(), 1e-12))
    p = targets["content"]
    content = WEIGHTS["content"] * ((feats[CONTENT] - p) ** 2).sum() / (
        p.numel() * max((p * p).mean().item(), 1e-12))
    tv = WEIGHTS["tv"] / (3 * x.shape[1] * x.shape[2]) * (
        ((x[:, :, 1:] - x[:, :, :-1]) ** 2).sum() +
        ((x[:, 1:, :] - x[:, :-1, :]) ** 2).sum())
    return content, style, tv


def torch_run(content, style, tensors):
    with torch.no_grad():
        sf = features(style, tensors)
        targets = {"style": {i: gram(sf[i]) for i in STYLE},
                   "content": features(content, tensors)[CONTENT]}
    x = content.clone().requires_grad_(True)
    first = [v.item() for v in losses(x, tensors, targets)]
    sum(losses(x, tensors, targets)).backward()
    grad = x.grad.detach().clone()

    x = content.clone().requires_grad_(True)
    adam = torch.optim.Adam([x], lr=WEIGHTS["lr"], betas=(0.9, 0.999), eps=1e-8)
    curve = {}
    for step in range(1, STEPS + 1):
        adam.zero_grad()
        total = sum(losses(x, tensors, targets))
        if step == 1 or step % 10 == 0:
            curve[step] = total.item()
        total.backward()
        adam.step()
        with torch.no_grad():
            x.clamp_(0, 1)
    return first, grad, curve


def engine_run(dump, weights_path, content, style, workdir):
    paths = []
    for name, img in (("content", content), ("style", style)):
        path = os.path.join(workdir, name + ".f32")
        hwc = img.permute(1, 2, 0).contiguous().numpy().astype("<f4")
        with open(path, "wb") as out:
            out.write(struct.pack("<II", img.shape[2], img.shape[1]))
            out.write(hwc.tobytes())
        paths.append(path)
    result = os.path.join(workdir, "result.json")
    grad_path = os.path.join(workdir, "grad.f32")
    subprocess.run([dump, "--net", "vgg19", "--weights", weights_path,
                    "--steps", str(STEPS), "--lr", str(WEIGHTS["lr"]),
                    "--content-weight", str(WEIGHTS["content"]),
                    "--style-weight", str(WEIGHTS["style"]),
                    "--tv-weight", str(WEIGHTS["tv"]),
                    paths[0], paths[1], result, grad_path], check=True)
    with open(result) as f:
        report = json.load(f)
    grad = np.fromfile(grad_path, dtype="<f4").reshape(3, SIZE, SIZE)
    return report, torch.from_numpy(grad)


def main():
    dump = sys.argv[1]
    torch.manual_seed(0)
    torch.set_num_threads(os.cpu_count() or 1)
    rng = np.random.default_rng(1234)
    arrays = random_weights(rng)
    tensors = {k: torch.from_numpy(v.astype("f4")) for k, v in arrays.items()}
    content = smooth_image(rng, SIZE)
    style = smooth_image(rng, SIZE)

    with tempfile.TemporaryDirectory() as workdir:
        weights_path = os.path.join(workdir, "vgg19-random.safetensors")
        write_safetensors(weights_path, arrays)
        ours, our_grad = engine_run(dump, weights_path, content, style, workdir)
    first, grad, curve = torch_run(content, style, tensors)

    failed = False
    for name, a, b in zip(("content", "style", "tv"), ours["losses"], first):
        rel = abs(a - b) / max(abs(b), 1e-12)
        print("loss %-8s ours %.6g torch %.6g relative error %.2e" % (name, a, b, rel))
        failed |= rel > 1e-3
    err = (our_grad - grad).abs().max().item() / max(grad.abs().max().item(), 1e-20)
    print("pixel gradient: normalised error %.2e (max |torch| %.3g)"
          % (err, grad.abs().max().item()))
    failed |= err > 1e-3
    for step, total in sorted(curve.items()):
        mine = ours["curve"].get(str(step))
        rel = abs(mine - total) / max(abs(total), 1e-12)
        print("step %2d total loss ours %.6g torch %.6g relative error %.2e"
              % (step, mine, total, rel))
        failed |= rel > 2e-2
    print("FAIL" if failed else "ok: engine matches PyTorch")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
