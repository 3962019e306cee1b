#version 450
// SPDX-License-Identifier: GPL-3.0-or-later
// Gradient of the total variation of tv_loss.comp, added to grad:
//   grad[c][y][x] += scale * 2 * ( (x[c][y][x] - x[c][y][x-1])
//                                - (x[c][y][x+1] - x[c][y][x])
//                                + (x[c][y][x] - x[c][y-1][x])
//                                - (x[c][y+1][x] - x[c][y][x]) )
// each difference taken only where both pixels exist.
// Grid: linear over the 3 * h * w values.
// Bindings: 0 image [3][h][w], 1 grad [3][h][w].
// Push constants: h, w, scale.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout (std430, binding = 0) readonly buffer Image { float image[]; };
layout (std430, binding = 1) buffer Grad { float grad[]; };

layout (push_constant) uniform Push
{
  uint  h;
  uint  w;
  float scale;
} pc;

void
main ()
{
  uint  i = ns_linear_index ();
  uint  x, y;
  float here, d = 0.0;

  if (i >= 3 * pc.h * pc.w)
    return;

  x = i % pc.w;
  y = (i / pc.w) % pc.h;
  here = image[i];
  if (x > 0)
    d += here - image[i - 1];
  if (x + 1 < pc.w)
    d -= image[i + 1] - here;
  if (y > 0)
    d += here - image[i - pc.w];
  if (y + 1 < pc.h)
    d -= image[i + pc.w] - here;

  grad[i] += 2.0 * pc.scale * d;
}
