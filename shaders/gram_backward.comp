#version 450
// SPDX-License-Identifier: GPL-3.0-or-later
// Gradient of a style loss through the Gram matrix, as a tiled product:
//   grad[i][p] = (or += when accumulate is 1)
//                scale * sum over j of (G[i][j] - A[i][j]) F[j][p]
// for features F [C][N], their Gram matrix G [C][C] and the target A
// [C][C].  For E = w / norm * sum (G - A)^2 with G = F F^T / (C N) the
// engine passes scale = 4 w / (norm C N).  Accumulated in fp32.
// Grid: x tiles of 32 values of p, y tiles of 32 rows i.  Workgroup
// 16 x 8 (the host asks for it); each invocation computes 4 x 2 entries.
// Bindings: 0 G, 1 A, 2 F, 3 grad [C][N].
// Push constants: c, n, scale, accumulate.
#extension GL_GOOGLE_include_directive : require
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

const uint TILE = 32;    // tile side: rows i, values p
const uint STEP = 16;    // values of j loaded per step
const uint ROWS = 4;     // entries per invocation along i
const uint COLS = 2;     // along p

shared float tile_d[STEP][TILE + 1];   // [j][i]: G - A
shared float tile_f[STEP][TILE];       // [j][p]

void
main ()
{
  uint  i0 = gl_WorkGroupID.y * TILE, p0 = gl_WorkGroupID.x * TILE;
  uint  tx = gl_LocalInvocationID.x, ty = gl_LocalInvocationID.y;
  uint  local = ty * 16 + tx;
  float acc[ROWS][COLS];

  for (uint r = 0; r < ROWS; r++)
    for (uint q = 0; q < COLS; q++)
      acc[r][q] = 0.0;

  // Every invocation takes part in the loads and barriers; the bounds are
  // checked on each load and on the final write.
  for (uint j0 = 0; j0 < pc.c; j0 += STEP)
    {
      for (uint e = 0; e < TILE * STEP / 128; e++)
        {
          uint index = local + 128 * e;
          uint k = index % STEP, row = index / STEP;  // D: j fastest
          uint col = index % TILE, kf = index / TILE; // F: p fastest
          uint gi = (i0 + row) * pc.c + j0 + k;
          uint fi = (j0 + kf) * pc.n + p0 + col;

          tile_d[k][row] = i0 + row < pc.c && j0 + k < pc.c
                           ? g[gi] - a[gi] : 0.0;
          tile_f[kf][col] = j0 + kf < pc.c && p0 + col < pc.n ? f[fi] : 0.0;
        }
      barrier ();
      for (uint k = 0; k < STEP; k++)
        for (uint r = 0; r < ROWS; r++)
          for (uint q = 0; q < COLS; q++)
            acc[r][q] += tile_d[k][ty + 8 * r] * tile_f[k][tx + 16 * q];
      barrier ();
    }

  for (uint r = 0; r < ROWS; r++)
    for (uint q = 0; q < COLS; q++)
      {
        uint i = i0 + ty + 8 * r, p = p0 + tx + 16 * q;
        uint o = i * pc.n + p;

        if (i < pc.c && p < pc.n)
          grad[o] = pc.scale * acc[r][q] + (pc.accumulate != 0 ? grad[o]
                                                                : 0.0);
      }
}
