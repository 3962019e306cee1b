#version 450
// SPDX-License-Identifier: GPL-3.0-or-later
// Max pooling: out[c][oy][ox] = the largest in-image input of the window
// (pool.glsl); padding never wins.  where[c][oy][ox] = y in_w + x of the
// window's first maximum (row-major scan, strict >), which the backward
// pass (pool_max_backward.comp) reads instead of searching again.
// Grid: linear over the outputs, c slowest then oy then ox.
// Bindings: 0 in [C][in_h][in_w], 1 out [C][out_h][out_w], 2 where (uint,
// like out).  Push constants: pool.glsl (accumulate unused).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "pool.glsl"

layout (std430, binding = 0) readonly buffer In { float src[]; };
layout (std430, binding = 1) writeonly buffer Out { float dst[]; };
layout (std430, binding = 2) writeonly buffer Where { uint where[]; };

void
main ()
{
  uint i = ns_linear_index ();
  uint ox, oy, c, base;
  uvec2 first, last, at;
  float best;

  if (i >= pc.channels * pc.out_h * pc.out_w)
    return;

  ox = i % pc.out_w;
  oy = (i / pc.out_w) % pc.out_h;
  c = i / (pc.out_w * pc.out_h);
  pool_window (oy, ox, first, last);

  base = c * pc.in_h * pc.in_w;
  at = first;
  best = src[base + first.y * pc.in_w + first.x];
  for (uint y = first.y; y < last.y; y++)
    for (uint x = first.x; x < last.x; x++)
      {
        float value = src[base + y * pc.in_w + x];

        if (value > best)
          {
            at = uvec2 (x, y);
            best = value;
          }
      }

  dst[i] = best;
  where[i] = at.y * pc.in_w + at.x;
}
