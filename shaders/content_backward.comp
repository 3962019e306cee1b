#version 450
// SPDX-License-Identifier: GPL-3.0-or-later
// Gradient of a content loss: grad[i] = (or += when accumulate is 1)
// scale * (F[i] - P[i]) for the features F and the target P, i < n.
// Grid: linear over the n values.
// Bindings: 0 F, 1 P, 2 grad; all float[n].
// Push constants: n, scale, accumulate.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout (std430, binding = 0) readonly buffer Features { float f[]; };
layout (std430, binding = 1) readonly buffer Target { float target[]; };
layout (std430, binding = 2) buffer Grad { float grad[]; };

layout (push_constant) uniform Push
{
  uint  n;
  float scale;
  uint  accumulate;
} pc;

void
main ()
{
  uint  i = ns_linear_index ();
  float value;

  if (i >= pc.n)
    return;

  value = pc.scale * (f[i] - target[i]);
  grad[i] = pc.accumulate != 0 ? grad[i] + value : value;
}
