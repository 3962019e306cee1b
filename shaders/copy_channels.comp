#version 450
// SPDX-License-Identifier: GPL-3.0-or-later
// Channel copy, the concatenation and its split:
//   dst[dst_offset + c][p] = (or += when accumulate is 1)
//                            src[src_offset + c][p]
// for c < n_channels and p < plane, tensors being planar [C][H][W] with
// plane = H * W.  src and dst must be different buffers.
// Grid: linear over the n_channels * plane copied values.
// Bindings: 0 src [Csrc][H][W], 1 dst [Cdst][H][W].
// Push constants: plane (pixels per channel), n_channels, src_offset,
// dst_offset (channels), accumulate.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout (std430, binding = 0) readonly buffer Src { float src[]; };
layout (std430, binding = 1) buffer Dst { float dst[]; };

layout (push_constant) uniform Push
{
  uint plane;
  uint n_channels;
  uint src_offset;
  uint dst_offset;
  uint accumulate;
} pc;

void
main ()
{
  uint  i = ns_linear_index ();
  uint  o;
  float value;

  if (i >= pc.n_channels * pc.plane)
    return;

  value = src[pc.src_offset * pc.plane + i];
  o = pc.dst_offset * pc.plane + i;
  dst[o] = pc.accumulate != 0 ? dst[o] + value : value;
}
