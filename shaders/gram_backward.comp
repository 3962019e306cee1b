#version 450
// SPDX-License-Identifier: GPL-3.0-or-later
// Gradient of a style loss through the Gram matrix:
//   grad[i][p] = (or += when accumulate is 1)
//                scale * sum over j of (G[i][j] - A[i][j]) F[j][p]
// for features F [C][N], their Gram matrix G [C][C] and the target A
// [C][C].  For E = w / norm * sum (G - A)^2 with G = F F^T / (C N) the
// engine passes scale = 4 w / (norm C N).  Accumulated in fp32.
// A workgroup of 64 invocations owns ROWS rows i and 64 x COLS values of
// p; invocation t holds p = p0 + t + 64 m (m < COLS) for all ROWS rows in
// registers.  G - A goes through shared memory STEP columns j at a time,
// [j][i], so that every invocation reads the same entries (broadcasts).
// Grid: x blocks of 64 COLS values of p, y blocks of ROWS rows.
// Workgroup 64 x 1 (the host asks for it).
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

const uint ROWS = 16;    // rows i per workgroup (and per invocation)
const uint COLS = 1;     // values of p per invocation
const uint STEP = 64;    // columns j of G - A staged at a time

shared vec4 tile_d[STEP][ROWS / 4];    // [j][i / 4]: G - A

void
main ()
{
  uint t = gl_LocalInvocationID.x;
  uint i0 = gl_WorkGroupID.y * ROWS;
  uint p0 = gl_WorkGroupID.x * 64 * COLS;
  vec4 acc[COLS][ROWS / 4];
  uint p[COLS];

  for (uint m = 0; m < COLS; m++)
    {
      // Past the end, read the last value and write nothing.
      p[m] = min (p0 + t + 64 * m, pc.n - 1);
      for (uint q = 0; q < ROWS / 4; q++)
        acc[m][q] = vec4 (0.0);
    }

  // Every invocation takes part in the staging and barriers; the bounds
  // are checked on each load and on the final write.
  for (uint j0 = 0; j0 < pc.c; j0 += STEP)
    {
      barrier ();
      for (uint e = t; e < STEP * ROWS; e += 64)
        {
          uint  jj = e / ROWS, r = e % ROWS;
          uint  at = (i0 + r) * pc.c + j0 + jj;
          float d = i0 + r < pc.c && j0 + jj < pc.c ? g[at] - a[at] : 0.0;

          tile_d[jj][r / 4][r % 4] = d;
        }
      barrier ();
      for (uint jj = 0; jj < min (STEP, pc.c - j0); jj++)
        {
          uint row = (j0 + jj) * pc.n;

          for (uint m = 0; m < COLS; m++)
            {
              float value = f[row + p[m]];

              for (uint q = 0; q < ROWS / 4; q++)
                acc[m][q] += value * tile_d[jj][q];
            }
        }
    }

  for (uint m = 0; m < COLS; m++)
    for (uint r = 0; r < ROWS; r++)
      {
        uint i = i0 + r, at = p0 + t + 64 * m;
        uint o = i * pc.n + at;

        if (i < pc.c && at < pc.n)
          grad[o] = pc.scale * acc[m][r / 4][r % 4] +
                    (pc.accumulate != 0 ? grad[o] : 0.0);
      }
}
