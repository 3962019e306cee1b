#version 450
// SPDX-License-Identifier: GPL-3.0-or-later
// Gradient of average pooling, as a gather: input pixel (c, y, x) gets
// grad_out[o] / count[o] summed over the windows o covering it, count being
// the window's number of in-image pixels; grad_in = that sum, or += it
// when accumulate is 1.
// Grid: linear over the inputs, c slowest then y then x.
// Bindings: 0 grad_out [C][out_h][out_w], 1 grad_in [C][in_h][in_w].
// Push constants: pool.glsl.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "pool.glsl"

layout (std430, binding = 0) readonly buffer GradOut { float grad_out[]; };
layout (std430, binding = 1) buffer GradIn { float grad_in[]; };

void
main ()
{
  uint  i = ns_linear_index ();
  uint  plane = pc.in_h * pc.in_w;
  uint  x, y, c;
  uvec2 rows, cols, first, last, size;
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
      {
        pool_window (oy, ox, first, last);
        size = last - first;
        sum += grad_out[(c * pc.out_h + oy) * pc.out_w + ox]
               / float (size.x * size.y);
      }

  grad_in[i] = pc.accumulate != 0 ? grad_in[i] + sum : sum;
}
