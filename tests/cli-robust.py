#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shipped neural-style tool under hostile conditions (cases C07, C09,
C11, C16, C18, C19 of the shared cases; leaks in the sanitizer build): the real engine on lavapipe with
the SqueezeNet weights, small images written here as PNG.

    cli-robust.py PROGRAM CASE      CASE: one of the names in CASES

Case C10 (reduced precision) has nothing to test: the engine has no
half-precision path; every buffer and every shader computes in 32-bit
float.

Each case prints what it ran and what it saw; exit 0 pass, 1 fail, 77 skip
(no weights or no Vulkan device)."""
import os
import struct
import subprocess
import sys
import tempfile
import zlib

import numpy

SKIP = 77
QUICK = ["--size", "64", "--iterations", "5", "--stages", "1"]


def png_write(path, width, height, pixel):
    """An 8-bit RGB PNG: pixel(width, height) gives rows of bytes, R G B
    interleaved, each a bytes object of width * 3."""
    rows = bytearray()
    for row in pixel(width, height):
        rows.append(0)  # filter: none
        rows.extend(row)

    def chunk(kind, data):
        body = kind + data
        return (struct.pack(">I", len(data)) + body +
                struct.pack(">I", zlib.crc32(body) & 0xffffffff))

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2,
                                           0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(bytes(rows), 1)))
        f.write(chunk(b"IEND", b""))


def noise(seed):
    """Uniform noise from a fixed seed."""
    def rows(width, height):
        rng = numpy.random.default_rng(seed)
        data = rng.integers(0, 256, (height, width * 3), dtype=numpy.uint8)
        return [r.tobytes() for r in data]
    return rows


def flat(colour):
    """One colour everywhere."""
    def rows(width, height):
        return [bytes(colour) * width] * height
    return rows


class Case:
    def __init__(self, program, scratch):
        self.program = program
        self.scratch = scratch
        self.failures = 0

    def path(self, name):
        return os.path.join(self.scratch, name)

    def image(self, name, width, height, pixel=None):
        path = self.path(name)
        if not os.path.exists(path):
            png_write(path, width, height, pixel or noise(width + height))
        return path

    def run(self, args, env=None, timeout=120, wrapper=()):
        full_env = dict(os.environ)
        full_env.update(env or {})
        argv = list(wrapper) + [self.program] + args
        shown = " ".join(["%s=%s" % kv for kv in (env or {}).items()] + argv)
        print("$ " + shown, flush=True)
        p = subprocess.run(argv, env=full_env, capture_output=True,
                           text=True, timeout=timeout)
        print("  exit %d\n  stdout: %s\n  stderr: %s" %
              (p.returncode, p.stdout.strip(), p.stderr.strip()), flush=True)
        return p

    def check(self, ok, what):
        print(("ok: " if ok else "FAIL: ") + what, flush=True)
        if not ok:
            self.failures += 1

    def pair(self):
        """A 64x48 content and a 40x40 style."""
        return self.image("content.png", 64, 48), \
            self.image("style.png", 40, 40, noise(7))


def case_flat_style(c):
    """C09: a flat grey style and a black one give a finite result (the
    tool checks that itself) and a warning that the style has no
    texture."""
    content, _ = c.pair()
    for name, colour in (("flat", (128, 100, 90)), ("black", (0, 0, 0))):
        style = c.image(name + ".png", 32, 32, flat(colour))
        out = c.path(name + "-out.png")
        p = c.run([content, "-s", style, "-o", out] + QUICK)
        c.check(p.returncode == 0 and os.path.exists(out),
                "%s style: exit 0 and a result" % name)
        c.check("flat colour" in p.stderr and "no texture" in p.stderr,
                "%s style: the warning is printed" % name)


def case_seed(c):
    """C11: the same seed gives the same file, byte for byte (PNG encodes
    the same pixels the same way); lavapipe runs the same kernels in the
    same order, and the engine has no atomics in its reductions, so no
    tolerance is needed.  With --init noise another seed differs."""
    content, style = c.pair()
    outs = []
    for i, seed in enumerate(("5", "5", "6")):
        out = c.path("seed-%d.png" % i)
        p = c.run([content, "-s", style, "-o", out, "--init", "noise",
                   "--seed", seed] + QUICK)
        c.check(p.returncode == 0, "run %d (seed %s) exits 0" % (i, seed))
        outs.append(open(out, "rb").read() if os.path.exists(out) else b"")
    c.check(outs[0] != b"" and outs[0] == outs[1],
            "seed 5 twice: identical files")
    c.check(outs[2] != b"" and outs[0] != outs[2],
            "seed 5 and seed 6 with --init noise: different files")


def expect_refusal(c, p, out, status, words):
    c.check(p.returncode == status, "exit status %d" % status)
    c.check(not os.path.exists(out), "no output written")
    c.check(p.stderr.startswith("neural-style: "), "one clear message")
    for word in words:
        c.check(word in p.stderr, "the message says '%s'" % word)


def case_big(c):
    """C07: 4096x4096 noise at full size under a 4096 MiB heap: refused
    before any work with the figures and the largest size that fits; the
    same at the default --size 512 runs (one step)."""
    big = c.image("big.png", 4096, 4096)
    _, style = c.pair()
    out = c.path("big-out.png")
    env = {"NEURAL_STYLE_MEMORY_LIMIT_MB": "4096"}
    p = c.run([big, "-s", style, "-o", out, "--size", "0"], env=env)
    expect_refusal(c, p, out, 2, ["needs", "MiB", "have 3072 MiB",
                                  "pixels or less", "--size"])
    c.check("Stage" not in p.stderr and "%" not in p.stdout,
            "refused before any work")
    p = c.run([big, "-s", style, "-o", out, "--iterations", "1",
               "--stages", "1", "--size", "128"], env=env)
    c.check(p.returncode == 0 and os.path.exists(out),
            "--size 128 of the same image runs")


def case_buffer_range(c):
    """C16: under the Vulkan minimum limits (128 MiB buffers), images whose
    largest buffer passes 128 MiB are refused with the largest size that
    fits, before any work: VGG19 at 1024x1024 (conv1 alone is 256 MiB;
    the plan is checked before the weights are looked for), SqueezeNet at
    2048x1024; a 1024x1024 image under a 512 MiB heap too."""
    big = c.image("square.png", 1024, 1024)
    wide = c.image("wide.png", 2048, 1024)
    _, style = c.pair()
    out = c.path("square-out.png")
    env = {"NEURAL_STYLE_VK_LIMITS": "minimum"}
    p = c.run([big, "-s", style, "-o", out, "--size", "1024", "--net",
               "vgg19"], env=env)
    expect_refusal(c, p, out, 2, ["1024 x 1024", "largest buffer needs 256",
                                  "allows 128 MiB", "pixels or less"])
    p = c.run([wide, "-s", style, "-o", out, "--size", "2048"], env=env)
    expect_refusal(c, p, out, 2, ["2048 x 1024", "allows 128 MiB",
                                  "pixels or less"])
    env["NEURAL_STYLE_MEMORY_LIMIT_MB"] = "512"
    p = c.run([big, "-s", style, "-o", out, "--size", "1024"], env=env)
    expect_refusal(c, p, out, 2, ["needs", "have 384 MiB",
                                  "pixels or less"])
    p = c.run([big, "-s", style, "-o", out, "--size", "96",
               "--iterations", "2", "--stages", "1"], env=env)
    c.check(p.returncode == 0 and os.path.exists(out),
            "the same image at --size 96 runs under the minimum limits")


def case_devices(c):
    """C18: --list-devices marks a CPU driver as slow; --device picks by
    name and the device is named in the progress text; an unknown device
    fails clearly; NEURAL_STYLE_DEVICE does the same as --device."""
    p = c.run(["--list-devices"])
    c.check(p.returncode == 0 and "llvmpipe" in p.stdout and
            "CPU driver: slow" in p.stdout, "llvmpipe listed as slow")
    content, style = c.pair()
    out = c.path("device-out.png")
    p = c.run([content, "-s", style, "-o", out, "--device", "llvmpipe"]
              + QUICK)
    c.check(p.returncode == 0 and os.path.exists(out),
            "--device llvmpipe runs")
    c.check("on llvmpipe" in p.stderr and "CPU driver" in p.stderr,
            "the progress text names the device and says it is slow")
    os.remove(out)
    for args, env in ((["--device", "nonexistent"], None),
                      ([], {"NEURAL_STYLE_DEVICE": "nonexistent"})):
        p = c.run([content, "-s", style, "-o", out] + QUICK + args, env=env)
        expect_refusal(c, p, out, 2, ["nonexistent", "--list-devices"])


def case_faults(c):
    """C19: a failed allocation and a lost device, injected at several
    points: exit 2, a message naming the failure, no output and no
    temporary file left."""
    content, style = c.pair()
    out = c.path("fault-out.png")
    for fault, words in (("alloc:1", ["out of device memory"]),
                         ("alloc:40", ["out of device memory"]),
                         ("submit:1", ["device lost"]),
                         ("submit:7", ["device lost"])):
        p = c.run([content, "-s", style, "-o", out] + QUICK,
                  env={"NEURAL_STYLE_VK_FAULT": fault})
        expect_refusal(c, p, out, 2, words)
        c.check(sorted(os.listdir(c.scratch)) ==
                sorted(["content.png", "style.png"]),
                "no temporary file left: %s" % os.listdir(c.scratch))


def case_leaks(c):
    """In the sanitizer build: one real stylisation (--size 64
    --iterations 5) and one under an injected lost device, with
    LeakSanitizer on; no leak of ours (the driver's, the loader's, GLib's
    and GEGL's one-time allocations are suppressed in tests/lsan.supp,
    each with its reason).  Valgrind does the same but needs minutes on
    lavapipe, too slow for the suite."""
    if "address" not in os.environ.get("NEURAL_STYLE_SANITIZE", ""):
        print("skip: not the AddressSanitizer build")
        sys.exit(SKIP)
    content, style = c.pair()
    supp = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "lsan.supp")
    env = {"ASAN_OPTIONS": "detect_leaks=1:fast_unwind_on_malloc=0:"
                           "malloc_context_size=16:"
                           "halt_on_error=1",
           "LSAN_OPTIONS": "suppressions=%s:print_suppressions=0" % supp}
    out = c.path("leaks-out.png")
    p = c.run([content, "-s", style, "-o", out, "--size", "64",
               "--iterations", "5"], env=env)
    c.check(p.returncode == 0 and os.path.exists(out),
            "a real run leaks nothing (exit %d)" % p.returncode)
    for fault in ("submit:3", "alloc:25"):
        env["NEURAL_STYLE_VK_FAULT"] = fault
        p = c.run([content, "-s", style, "-o", c.path("lost.png")] + QUICK,
                  env=env)
        c.check(p.returncode == 2 and "LeakSanitizer" not in p.stderr,
                "%s: exit 2 and nothing leaked" % fault)


CASES = {
    "flat-style": case_flat_style,
    "seed": case_seed,
    "big": case_big,
    "buffer-range": case_buffer_range,
    "devices": case_devices,
    "faults": case_faults,
    "leaks": case_leaks,
}


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in CASES:
        sys.exit("usage: cli-robust.py PROGRAM %s" % "|".join(CASES))
    weights = os.environ.get("NEURAL_STYLE_WEIGHTS", "")
    if not os.path.isdir(weights):
        print("skip: no SqueezeNet weights in NEURAL_STYLE_WEIGHTS")
        sys.exit(SKIP)
    with tempfile.TemporaryDirectory(prefix="ns-robust-") as scratch:
        c = Case(sys.argv[1], scratch)
        p = c.run(["--list-devices"])
        if p.returncode != 0:
            print("skip: no Vulkan device")
            sys.exit(SKIP)
        CASES[sys.argv[2]](c)
    print("%d failure(s)" % c.failures)
    sys.exit(1 if c.failures else 0)


if __name__ == "__main__":
    main()
