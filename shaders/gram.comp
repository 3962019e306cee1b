#version 450
// SPDX-License-Identifier: GPL-3.0-or-later
// Gram matrix of features F [C][N] (N = H * W):
//   G[s][i][j] = scale * sum over p in slice s of F[i][p] F[j][p]
// with scale = 1 / (C N) and slice s = the values p in
// [s * chunk, min ((s + 1) * chunk, N)).  With one slice G is the Gram
// matrix; with more, gram_reduce.comp sums the slices into G[0].
// Accumulated in fp32.  A workgroup of 64 invocations computes ROWS rows i
// by 64 columns j; invocation t owns column j = j0 + t for all ROWS rows,
// in registers.  The rows' values F[i][p] go through shared memory STEP
// values of p at a time, [p][i], so that every invocation reads the same
// entries (broadcasts).  G is symmetric: blocks wholly below the diagonal
// return at once, the others write G[i][j] and G[j][i] for i <= j.
// Grid: x blocks of 64 columns j, y blocks of ROWS rows i, z slice.
// Workgroup 64 x 1 (the host asks for it).
// Bindings: 0 F [C][N], 1 G [slices][C][C].
// Push constants: c, n, chunk, scale.
#extension GL_GOOGLE_include_directive : require
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

const uint ROWS = 16;    // rows i per workgroup (and per invocation)
const uint STEP = 64;    // values of p staged at a time

shared vec4 tile_f[STEP][ROWS / 4];    // [p][i / 4]

void
main ()
{
  uint t = gl_LocalInvocationID.x;
  uint i0 = gl_WorkGroupID.y * ROWS;
  uint j0 = gl_WorkGroupID.x * 64;
  uint j = min (j0 + t, pc.c - 1);      // past C: read row C - 1, write none
  uint start = gl_WorkGroupID.z * pc.chunk;
  uint end = min (start + pc.chunk, pc.n);
  uint slice = gl_WorkGroupID.z * pc.c * pc.c;
  vec4 acc[ROWS / 4];

  // The whole workgroup leaves together: no barrier is skipped by some.
  if (i0 >= j0 + 64)
    return;

  for (uint q = 0; q < ROWS / 4; q++)
    acc[q] = vec4 (0.0);

  for (uint p0 = start; p0 < end; p0 += STEP)
    {
      barrier ();
      for (uint e = t; e < STEP * ROWS; e += 64)
        {
          uint r = e / STEP, s = e % STEP;

          tile_f[s][r / 4][r % 4] = i0 + r < pc.c && p0 + s < end ?
                                    f[(i0 + r) * pc.n + p0 + s] : 0.0;
        }
      barrier ();
      for (uint s = 0; s < min (STEP, end - p0); s++)
        {
          float value = f[j * pc.n + p0 + s];

          for (uint q = 0; q < ROWS / 4; q++)
            acc[q] += value * tile_f[s][q];
        }
    }

  if (j0 + t >= pc.c)
    return;
  for (uint r = 0; r < ROWS; r++)
    {
      uint i = i0 + r;

      if (i <= j && i < pc.c)
        {
          g[slice + i * pc.c + j] = acc[r / 4][r % 4] * pc.scale;
          g[slice + j * pc.c + i] = acc[r / 4][r % 4] * pc.scale;
        }
    }
}
