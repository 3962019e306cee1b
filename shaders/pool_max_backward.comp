#version 450
// SPDX-License-Identifier: GPL-3.0-or-later
// Gradient of max pooling: each output's gradient goes to the first maximum
// of its window (row-major scan, strict >), written as a gather: input
// pixel (c, y, x) sums grad_out over the windows covering it whose first
// maximum it is; grad_in = that sum, or += it when accumulate is 1.
// Grid: linear over the inputs, c slowest then y then x.
// Bindings: 0 in [C][in_h][in_w], 1 grad_out [C][out_h][out_w],
// 2 grad_in [C][in_h][in_w].  Push constants: pool.glsl.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "pool.glsl"

layout (std430, binding = 0) readonly buffer In { float src[]; };
layout (std430, binding = 1) readonly buffer GradOut { float grad_out[]; };
layout (std430, binding = 2) buffer GradIn { float grad_in[]; };

// Offset within the channel plane of the first maximum of window (oy, ox).
uint
first_max (uint base, uint oy, uint ox)
{
  uvec2 first, last;
  uint  where;
  float best;

  pool_window (oy, ox, first, last);
  where = first.y * pc.in_w + first.x;
  best = src[base + where];
  for (uint y = first.y; y < last.y; y++)
    for (uint x = first.x; x < last.x; x++)
      if (src[base + y * pc.in_w + x] > best)
        {
          where = y * pc.in_w + x;
          best = src[base + where];
        }

  return where;
}

void
main ()
{
  uint  i = ns_linear_index ();
  uint  plane = pc.in_h * pc.in_w;
  uint  x, y, c;
  uvec2 rows, cols;
  float sum = 0.0;

  if (i >= pc.channels * plane)
    return;

  x = i % pc.in_w;
  y = (i / pc.in_w) % pc.in_h;
  c = i / plane;
  rows = pool_covering (y, pc.out_h);
  cols = pool_covering (x, pc.out_w);

  for (uint oy = rows.x; oy < rows.y; oy++)
    for (uint ox = cols.x; ox < cols.y; ox++)
      if (first_max (c * plane, oy, ox) == y * pc.in_w + x)
        sum += grad_out[(c * pc.out_h + oy) * pc.out_w + ox];

  grad_in[i] = pc.accumulate != 0 ? grad_in[i] + sum : sum;
}
