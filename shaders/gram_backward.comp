#version 450
// SPDX-License-Identifier: GPL-3.0-or-later
// Gradient of a style loss through the Gram matrix:
//   grad[i][p] = (or += when accumulate is 1)
//                scale * sum over j of (G[i][j] - A[i][j]) F[j][p]
// for features F [C][N], their Gram matrix G [C][C] and the target A
// [C][C].  For E = w / norm * sum (G - A)^2 with G = F F^T / (C N) the
// engine passes scale = 4 w / (norm C N).  Accumulated in fp32.
// A workgroup of INVOCATIONS invocations owns ROWS rows i and
// INVOCATIONS * COLS values of p: invocation t holds
// p = p0 + t + INVOCATIONS m (m < COLS) for all ROWS rows, in registers,
// and reads its own F[j][p] itself.  G - A is read 8 columns j at a time,
// lane k of each subgroup reading column j0 + k, then broadcast within
// the subgroup (GL_KHR_shader_subgroup_ballot, subgroups of at least 8:
// ns-vk.c requires both).  On a CPU driver a load is one scalar load per
// lane even when all lanes read the same address, so this turns 8 loads
// per value into 1 load and 8 register broadcasts.
// Grid: x blocks of ROWS rows, y blocks of INVOCATIONS * COLS values of p
// (workgroups next to each other in x read the same F).
// Workgroup INVOCATIONS x 1 (the host asks for it).
// Bindings: 0 G, 1 A, 2 F, 3 grad [C][N].
// Push constants: c, n, scale, accumulate.
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_ballot : require
#include "common.glsl"

layout (std430, binding = 0) readonly buffer Gram { float g[]; };
layout (std430, binding = 1) readonly buffer Target { float a[]; };
layout (std430, binding = 2) readonly buffer Features { float f[]; };
layout (std430, binding = 3) buffer Grad { float grad[]; };

layout (push_constant) uniform Push
{
  uint  c;
  uint  n;
  float scale;
  uint  accumulate;
} pc;

// These three mirror GRAM_BACKWARD_INVOCATIONS, GRAM_BACKWARD_ROWS and
// GRAM_BACKWARD_OWN in plugin/engine/ns-op-gram.c; ROWS is a multiple of 8.
const uint INVOCATIONS = 32;
const uint ROWS = 16;    // rows i per workgroup (and per invocation)
const uint COLS = 3;     // values of p per invocation

void
main ()
{
  uint  t = gl_LocalInvocationID.x;
  uint  lane = gl_SubgroupInvocationID % 8;
  uint  i0 = gl_WorkGroupID.x * ROWS;
  uint  p0 = gl_WorkGroupID.y * INVOCATIONS * COLS;
  float acc[ROWS][COLS];
  uint  p[COLS];

  // Rows past C read row C - 1, values of p past N the last one; neither
  // is written.  Columns j past C read row C - 1 of F times a zero G - A.
  for (uint m = 0; m < COLS; m++)
    p[m] = min (p0 + t + INVOCATIONS * m, pc.n - 1);
  for (uint u = 0; u < ROWS / 8; u++)
    for (uint v = 0; v < 8; v++)
      for (uint m = 0; m < COLS; m++)
        acc[u * 8 + v][m] = 0.0;

  for (uint j0 = 0; j0 < pc.c; j0 += 8)
    {
      uint  j = min (j0 + lane, pc.c - 1);
      float mine[ROWS], value[8][COLS];

      // Constant trip counts of at most 8: the loops unroll, acc stays
      // in registers (longer loops stay loops here and acc goes to memory).
      for (uint u = 0; u < ROWS / 8; u++)
        for (uint v = 0; v < 8; v++)
          {
            uint at = min (i0 + u * 8 + v, pc.c - 1) * pc.c + j;

            mine[u * 8 + v] = mix (0.0, g[at] - a[at], j0 + lane < pc.c);
          }
      for (uint k = 0; k < 8; k++)
        for (uint m = 0; m < COLS; m++)
          value[k][m] = f[min (j0 + k, pc.c - 1) * pc.n + p[m]];
      for (uint u = 0; u < ROWS / 8; u++)
        for (uint v = 0; v < 8; v++)
          {
            // subgroupBroadcast takes a constant lane.
            float d = mine[u * 8 + v];
            float row[8] = float[8] (
              subgroupBroadcast (d, 0), subgroupBroadcast (d, 1),
              subgroupBroadcast (d, 2), subgroupBroadcast (d, 3),
              subgroupBroadcast (d, 4), subgroupBroadcast (d, 5),
              subgroupBroadcast (d, 6), subgroupBroadcast (d, 7));

            for (uint k = 0; k < 8; k++)
              for (uint m = 0; m < COLS; m++)
                acc[u * 8 + v][m] += row[k] * value[k][m];
          }
    }

  for (uint m = 0; m < COLS; m++)
    for (uint u = 0; u < ROWS / 8; u++)
      for (uint v = 0; v < 8; v++)
        {
          uint i = i0 + u * 8 + v, at = p0 + t + INVOCATIONS * m;
          uint o = i * pc.n + at;

          if (i < pc.c && at < pc.n)
            grad[o] = pc.scale * acc[u * 8 + v][m] +
                      (pc.accumulate != 0 ? grad[o] : 0.0);
        }
}
