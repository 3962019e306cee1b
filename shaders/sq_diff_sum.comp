#version 450
// SPDX-License-Identifier: GPL-3.0-or-later
// loss[slot] = scale * sum over i < n of (a[i] - b[i])^2, in one
// workgroup, summed in fp32 in the same order on every run (reduce.glsl):
// invocation t takes i = t, t + L, t + 2 L, ... (L invocations).
// Grid: one workgroup.
// Bindings: 0 a [n], 1 b [n], 2 loss (float per slot).
// Push constants: n, slot, scale.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "reduce.glsl"

layout (std430, binding = 0) readonly buffer A { float a[]; };
layout (std430, binding = 1) readonly buffer B { float b[]; };
layout (std430, binding = 2) buffer Loss { float loss[]; };

layout (push_constant) uniform Push
{
  uint  n;
  uint  slot;
  float scale;
} pc;

void
main ()
{
  uint  t = gl_LocalInvocationID.x, width = gl_WorkGroupSize.x;
  float total = 0.0, sum;

  for (uint start = t; start < pc.n; start += REDUCE_BLOCK * width)
    {
      float block = 0.0;

      for (uint k = 0, i = start; k < REDUCE_BLOCK && i < pc.n;
           k++, i += width)
        {
          float d = a[i] - b[i];

          block += d * d;
        }
      total += block;
    }

  sum = reduce_workgroup (total);
  if (t == 0)
    loss[pc.slot] = pc.scale * sum;
}
