#version 450
// SPDX-License-Identifier: GPL-3.0-or-later
// Gradient of to_net.comp: with c the network channel of RGB channel rgb
// (c = bgr ? 2 - rgb : rgb),
//   grad_image[rgb][p] = (or += when accumulate is 1)
//                        grad_net[c][p] * range / std_dev[c].
// Grid: linear over the 3 * h * w image values, rgb slowest.
// Bindings: 0 grad_net [3][h][w] (network order), 1 grad_image [3][h][w]
// (planar RGB).  Push constants: as to_net.comp (mean unused).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout (std430, binding = 0) readonly buffer GradNet { float grad_net[]; };
layout (std430, binding = 1) buffer GradImage { float grad_image[]; };

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
  uint  i = ns_linear_index ();
  uint  plane = pc.h * pc.w;
  uint  rgb, c;
  float g;

  if (i >= 3 * plane)
    return;

  rgb = i / plane;
  c = pc.bgr != 0 ? 2 - rgb : rgb;
  g = grad_net[c * plane + i % plane] * pc.range / pc.std_dev[c];
  grad_image[i] = pc.accumulate != 0 ? grad_image[i] + g : g;
}
