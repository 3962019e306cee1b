#version 450
// SPDX-License-Identifier: GPL-3.0-or-later
// The engine's image as a network sees it: channel c of the network's
// order (BGR when bgr is 1, else RGB) is
//   net[c][p] = (image[rgb][p] * range - mean[c]) / std_dev[c],
// rgb = bgr ? 2 - c : c, image pixels being RGB in 0..1.
// Grid: linear over the 3 * h * w network values, c slowest.
// Bindings: 0 image [3][h][w] (planar RGB), 1 net [3][h][w].
// Push constants: range (1 or 255), mean[3] and std_dev[3] in the
// network's channel order, bgr, h, w, accumulate (backward only).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout (std430, binding = 0) readonly buffer Image { float image[]; };
layout (std430, binding = 1) writeonly buffer Net { float net[]; };

layout (push_constant, std430) uniform Push
{
  float range;
  float mean[3];
  float std_dev[3];
  uint  bgr;
  uint  h;
  uint  w;
  uint  accumulate;
} pc;

void
main ()
{
  uint i = ns_linear_index ();
  uint plane = pc.h * pc.w;
  uint c, rgb;

  if (i >= 3 * plane)
    return;

  c = i / plane;
  rgb = pc.bgr != 0 ? 2 - c : c;
  net[i] = (image[rgb * plane + i % plane] * pc.range - pc.mean[c])
           / pc.std_dev[c];
}
