#version 450
// SPDX-License-Identifier: GPL-3.0-or-later
// Sums the slices of a Gram matrix (ns-op-gram.c, gemm.comp), in place and in
// slice order: G[0][k] = G[0][k] + G[1][k] + ... + G[slices - 1][k].
// Grid: linear over the count = C * C entries.
// Bindings: 0 G [slices][C][C].  Push constants: count, slices.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout (std430, binding = 0) buffer Gram { float g[]; };

layout (push_constant) uniform Push
{
  uint count;
  uint slices;
} pc;

void
main ()
{
  uint  k = ns_linear_index ();
  float sum;

  if (k >= pc.count)
    return;

  sum = g[k];
  for (uint s = 1; s < pc.slices; s++)
    sum += g[s * pc.count + k];
  g[k] = sum;
}
