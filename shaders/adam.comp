#version 450
// SPDX-License-Identifier: GPL-3.0-or-later
// One Adam step on the image pixels, for i < n:
//   g  = grad[i], or 0 when grad[i] is not finite (a NaN or infinity in
//        the gradient never reaches the pixels nor the moments)
//   m  = beta1 m + (1 - beta1) g
//   v  = beta2 v + (1 - beta2) g^2
//   x  = clamp (x - lr (m / c1) / (sqrt (v / c2) + eps), lo, hi)
// with the bias corrections c1 = 1 - beta1^t and c2 = 1 - beta2^t for
// step t (from 1) computed on the host.
// Grid: linear over the n values.
// Bindings: 0 x (pixels), 1 grad, 2 m, 3 v; all float[n].
// Push constants: n, lr, beta1, beta2, eps, c1, c2, lo, hi.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout (std430, binding = 0) buffer X { float x[]; };
layout (std430, binding = 1) readonly buffer Grad { float grad[]; };
layout (std430, binding = 2) buffer M { float m[]; };
layout (std430, binding = 3) buffer V { float v[]; };

layout (push_constant) uniform Push
{
  uint  n;
  float lr;
  float beta1;
  float beta2;
  float eps;
  float c1;
  float c2;
  float lo;
  float hi;
} pc;

// A float whose exponent bits are all ones is an infinity or a NaN; the
// bit test holds even where a compiler assumes finite maths.
bool
is_finite (float value)
{
  return (floatBitsToUint (value) & 0x7f800000u) != 0x7f800000u;
}

void
main ()
{
  uint  i = ns_linear_index ();
  float g, mi, vi, step;

  if (i >= pc.n)
    return;

  g    = is_finite (grad[i]) ? grad[i] : 0.0;
  mi   = pc.beta1 * m[i] + (1.0 - pc.beta1) * g;
  vi   = pc.beta2 * v[i] + (1.0 - pc.beta2) * g * g;
  step = pc.lr * (mi / pc.c1) / (sqrt (vi / pc.c2) + pc.eps);

  m[i] = mi;
  v[i] = vi;
  x[i] = clamp (x[i] - step, pc.lo, pc.hi);
}
