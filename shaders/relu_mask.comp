#version 450
// SPDX-License-Identifier: GPL-3.0-or-later
// The ReLU's backward pass in place, before a 1x1 convolution's backward
// product (ns-op-conv.c):
//   grad[offset + c][p] = out[offset + c][p] > 0 ? grad[offset + c][p] : 0
// for c < n_channels and p < plane, out the post-ReLU output, planar
// [C][H][W] with plane = H * W.
// Grid: linear over the n_channels * plane values.
// Bindings: 0 out, 1 grad.  Push constants: plane, n_channels, offset.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout (std430, binding = 0) readonly buffer Out { float out_value[]; };
layout (std430, binding = 1) buffer Grad { float grad[]; };

layout (push_constant) uniform Push
{
  uint plane;
  uint n_channels;
  uint offset;
} pc;

void
main ()
{
  uint i = ns_linear_index ();

  if (i >= pc.n_channels * pc.plane)
    return;
  i += pc.offset * pc.plane;
  if (out_value[i] <= 0.0)
    grad[i] = 0.0;
}
