#version 450
// SPDX-License-Identifier: GPL-3.0-or-later
// Gram matrix of features F [C][N] (N = H * W):
//   G[s][i][j] = scale * sum over p in slice s of F[i][p] F[j][p]
// with scale = 1 / (C N) and slice s = the values p in
// [s * chunk, min ((s + 1) * chunk, N)).  With one slice G is the Gram
// matrix; with more, gram_reduce.comp sums the slices into G[0].
// Accumulated in fp32.
// A workgroup of INVOCATIONS invocations computes ROWS rows i by
// INVOCATIONS * COLS columns j: invocation t owns the columns
// j = j0 + t + INVOCATIONS m (m < COLS) for all ROWS rows, in registers,
// and reads its own F[j][p] itself.  The rows' values are read 8 values of
// p at a time, lane k of each subgroup reading F[i][p0 + k], then
// broadcast within the subgroup (GL_KHR_shader_subgroup_ballot, subgroups
// of at least 8: ns-vk.c requires both).  On a CPU driver a load is one
// scalar load per lane even when all lanes read the same address, so this
// turns 8 loads per row value into 1 load and 8 register broadcasts.
// G is symmetric: blocks wholly below the diagonal return at once, the
// others write G[i][j] and G[j][i] for i <= j.
// Grid: x blocks of INVOCATIONS * COLS columns j, y blocks of ROWS rows i,
// z slice.  Workgroup INVOCATIONS x 1 (the host asks for it).
// Bindings: 0 F [C][N], 1 G [slices][C][C].
// Push constants: c, n, chunk, scale.
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_ballot : require
#include "common.glsl"

layout (std430, binding = 0) readonly buffer Features { float f[]; };
layout (std430, binding = 1) writeonly buffer Gram { float g[]; };

layout (push_constant) uniform Push
{
  uint  c;
  uint  n;
  uint  chunk;
  float scale;
} pc;

// These three mirror GRAM_INVOCATIONS, GRAM_ROWS and GRAM_OWN_COLS in
// plugin/engine/ns-op-gram.c; ROWS is a multiple of 8.
const uint INVOCATIONS = 16;
const uint ROWS = 16;    // rows i per workgroup (and per invocation)
const uint COLS = 2;     // columns j per invocation

void
main ()
{
  uint  t = gl_LocalInvocationID.x;
  uint  lane = gl_SubgroupInvocationID % 8;
  uint  i0 = gl_WorkGroupID.y * ROWS;
  uint  j0 = gl_WorkGroupID.x * INVOCATIONS * COLS;
  uint  start = gl_WorkGroupID.z * pc.chunk;
  uint  end = min (start + pc.chunk, pc.n);
  uint  slice = gl_WorkGroupID.z * pc.c * pc.c;
  float acc[ROWS][COLS];
  uint  own[COLS];

  // The whole workgroup leaves together (the subgroups stay whole).
  if (i0 >= j0 + INVOCATIONS * COLS)
    return;

  // Rows and columns past C read row C - 1 and write nothing; values of
  // p past the end read the last one, multiplied by a zero row value.
  for (uint m = 0; m < COLS; m++)
    own[m] = min (j0 + t + INVOCATIONS * m, pc.c - 1) * pc.n;
  for (uint a = 0; a < ROWS / 8; a++)
    for (uint b = 0; b < 8; b++)
      for (uint m = 0; m < COLS; m++)
        acc[a * 8 + b][m] = 0.0;

  for (uint p0 = start; p0 < end; p0 += 8)
    {
      float mine[ROWS], value[8][COLS];
      uint  p = min (p0 + lane, end - 1);

      // Constant trip counts of at most 8: the loops unroll, acc stays in
      // registers (longer loops stay loops here and acc goes to memory).
      for (uint a = 0; a < ROWS / 8; a++)
        for (uint b = 0; b < 8; b++)
          mine[a * 8 + b] =
            mix (0.0, f[min (i0 + a * 8 + b, pc.c - 1) * pc.n + p],
                 p0 + lane < end);

      for (uint k = 0; k < 8; k++)
        for (uint m = 0; m < COLS; m++)
          value[k][m] = f[own[m] + min (p0 + k, end - 1)];
      for (uint a = 0; a < ROWS / 8; a++)
        for (uint b = 0; b < 8; b++)
          {
            // subgroupBroadcast takes a constant lane.
            float v = mine[a * 8 + b];
            float row[8] = float[8] (
              subgroupBroadcast (v, 0), subgroupBroadcast (v, 1),
              subgroupBroadcast (v, 2), subgroupBroadcast (v, 3),
              subgroupBroadcast (v, 4), subgroupBroadcast (v, 5),
              subgroupBroadcast (v, 6), subgroupBroadcast (v, 7));

            for (uint k = 0; k < 8; k++)
              for (uint m = 0; m < COLS; m++)
                acc[a * 8 + b][m] += row[k] * value[k][m];
          }
    }

  for (uint m = 0; m < COLS; m++)
    for (uint a = 0; a < ROWS / 8; a++)
      for (uint b = 0; b < 8; b++)
        {
          uint i = i0 + a * 8 + b, j = j0 + t + INVOCATIONS * m;

          if (i <= j && j < pc.c)
            {
              g[slice + i * pc.c + j] = acc[a * 8 + b][m] * pc.scale;
              g[slice + j * pc.c + i] = acc[a * 8 + b][m] * pc.scale;
            }
        }
}
