#version 450
// SPDX-License-Identifier: GPL-3.0-or-later
// Total variation of an image x [3][h][w]:
//   loss[slot] = scale * sum over c, y, x of
//                (x[c][y][x+1] - x[c][y][x])^2 + (x[c][y+1][x] - x[c][y][x])^2
// each difference taken where both pixels exist.  One workgroup, summed in
// fp32 in the same order on every run (reduce.glsl).
// Grid: one workgroup.
// Bindings: 0 image [3][h][w], 1 loss (float per slot).
// Push constants: h, w, slot, scale.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "reduce.glsl"

layout (std430, binding = 0) readonly buffer Image { float image[]; };
layout (std430, binding = 1) buffer Loss { float loss[]; };

layout (push_constant) uniform Push
{
  uint  h;
  uint  w;
  uint  slot;
  float scale;
} pc;

// The squared differences towards the right and lower neighbours of item i.
float
tv_term (uint i)
{
  uint  x = i % pc.w, y = (i / pc.w) % pc.h;
  float here = image[i], sum = 0.0;

  if (x + 1 < pc.w)
    sum += (image[i + 1] - here) * (image[i + 1] - here);
  if (y + 1 < pc.h)
    sum += (image[i + pc.w] - here) * (image[i + pc.w] - here);

  return sum;
}

void
main ()
{
  uint  t = gl_LocalInvocationID.x, width = gl_WorkGroupSize.x;
  uint  n = 3 * pc.h * pc.w;
  float total = 0.0, sum;

  for (uint start = t; start < n; start += REDUCE_BLOCK * width)
    {
      float block = 0.0;

      for (uint k = 0, i = start; k < REDUCE_BLOCK && i < n; k++, i += width)
        block += tv_term (i);
      total += block;
    }

  sum = reduce_workgroup (total);
  if (t == 0)
    loss[pc.slot] = pc.scale * sum;
}
