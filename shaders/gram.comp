#version 450
// SPDX-License-Identifier: GPL-3.0-or-later
// Gram matrix of features F [C][N] (N = H * W), as a tiled matrix product:
//   G[s][i][j] = scale * sum over p in slice s of F[i][p] F[j][p]
// with scale = 1 / (C N) and slice s = the values p in
// [s * chunk, min ((s + 1) * chunk, N)).  With one slice G is the Gram
// matrix; with more, gram_reduce.comp sums the slices into G[0].
// Accumulated in fp32.  G is symmetric: a workgroup computes the 32 x 32
// tile (tile_i, tile_j) with tile_i <= tile_j and writes it and its mirror.
// Grid: x tile_j, y tile_i, z slice.  Workgroup 16 x 8 (the host asks for
// it); each invocation computes 4 x 2 entries of the tile.
// Bindings: 0 F [C][N], 1 G [slices][C][C].
// Push constants: c, n, chunk (a multiple of 16), scale.
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

const uint TILE = 32;    // tile side, entries of G
const uint STEP = 16;    // values of p loaded per step
const uint ROWS = 4;     // entries per invocation along i
const uint COLS = 2;     // along j

// [p][row within tile]; the extra column spreads stores over banks.
shared float tile_i[STEP][TILE + 1];
shared float tile_j[STEP][TILE + 1];

// Loads F[first + row][p0 + k] for the tile's 32 rows and 16 values of p,
// zero outside F and outside the slice (p >= end).
void
load_tile (uint first, uint p0, uint end, uint local, bool is_i)
{
  for (uint e = 0; e < TILE * STEP / 128; e++)
    {
      uint  index = local + 128 * e;
      uint  k = index % STEP, row = index / STEP;
      uint  p = p0 + k;
      float value = first + row < pc.c && p < end
                    ? f[(first + row) * pc.n + p] : 0.0;

      if (is_i)
        tile_i[k][row] = value;
      else
        tile_j[k][row] = value;
    }
}

void
main ()
{
  uint  i0 = gl_WorkGroupID.y * TILE, j0 = gl_WorkGroupID.x * TILE;
  uint  tx = gl_LocalInvocationID.x, ty = gl_LocalInvocationID.y;
  uint  local = ty * 16 + tx;
  uint  start = gl_WorkGroupID.z * pc.chunk;
  uint  end = min (start + pc.chunk, pc.n);
  uint  slice = gl_WorkGroupID.z * pc.c * pc.c;
  float acc[ROWS][COLS];

  // Tiles below the diagonal are the mirrors of tiles above it.
  if (gl_WorkGroupID.y > gl_WorkGroupID.x)
    return;

  for (uint r = 0; r < ROWS; r++)
    for (uint q = 0; q < COLS; q++)
      acc[r][q] = 0.0;

  for (uint p0 = start; p0 < end; p0 += STEP)
    {
      load_tile (i0, p0, end, local, true);
      load_tile (j0, p0, end, local, false);
      barrier ();
      for (uint k = 0; k < STEP; k++)
        for (uint r = 0; r < ROWS; r++)
          for (uint q = 0; q < COLS; q++)
            acc[r][q] += tile_i[k][ty + 8 * r] * tile_j[k][tx + 16 * q];
      barrier ();
    }

  for (uint r = 0; r < ROWS; r++)
    for (uint q = 0; q < COLS; q++)
      {
        uint i = i0 + ty + 8 * r, j = j0 + tx + 16 * q;

        if (i < pc.c && j < pc.c)
          {
            g[slice + i * pc.c + j] = acc[r][q] * pc.scale;
            g[slice + j * pc.c + i] = acc[r][q] * pc.scale;
          }
      }
}
