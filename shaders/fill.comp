#version 450
// SPDX-License-Identifier: GPL-3.0-or-later
// dst[i] = src[i] * scale + offset for i < n: the Vulkan layer's smoke test.
// Grid: x indexes elements.  Bindings: 0 src (float), 1 dst (float).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout (std430, binding = 0) readonly buffer Src { float src[]; };
layout (std430, binding = 1) writeonly buffer Dst { float dst[]; };

layout (push_constant) uniform Push
{
  uint  n;
  float scale;
  float offset;
} pc;

void
main ()
{
  uint i = gl_GlobalInvocationID.x;

  if (i >= pc.n)
    return;

  dst[i] = src[i] * pc.scale + pc.offset;
}
