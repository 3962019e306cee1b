#version 450
// SPDX-License-Identifier: GPL-3.0-or-later
// One Adam step on the image pixels, for i < n:
//   g  = grad[i], or 0 when grad[i] is not finite (a NaN or infinity in
//        the gradient never reaches the pixels nor the moments)
//   m  = beta1 m + (1 - beta1) g
//   v  = beta2 v + (1 - beta2) g^2
//   x  = clamp (x - lr (m / c1) / (sqrt (v / c2) + eps), lo, hi)
// with the bias corrections c1 = 1 - beta1^t and c2 = 1 - beta2^t for
// step t (from 1) computed on the host and written into the step buffer
// before each submission, so one recording serves every step.
// Grid: linear over the n values.
// Bindings: 0 x (pixels), 1 grad, both float[n]; 2 moments, float[2 n]:
// m at [i], v at [n + i]; 3 step: c1, c2.
// Push constants: n, lr, beta1, beta2, eps, lo, hi.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout (std430, binding = 0) buffer X { float x[]; };
layout (std430, binding = 1) readonly buffer Grad { float grad[]; };
layout (std430, binding = 2) buffer Moments { float moments[]; };
layout (std430, binding = 3) readonly buffer Step { float c1; float c2; };

layout (push_constant) uniform Push
{
  uint  n;
  float lr;
  float beta1;
  float beta2;
  float eps;
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
  mi   = pc.beta1 * moments[i] + (1.0 - pc.beta1) * g;
  vi   = pc.beta2 * moments[pc.n + i] + (1.0 - pc.beta2) * g * g;
  step = pc.lr * (mi / c1) / (sqrt (vi / c2) + pc.eps);

  moments[i] = mi;
  moments[pc.n + i] = vi;
  x[i] = clamp (x[i] - step, pc.lo, pc.hi);
}
