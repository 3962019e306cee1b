#version 450
// SPDX-License-Identifier: GPL-3.0-or-later
// Convolution forward with bias and optional ReLU, stride 1, kernel <= 3,
// tiled (shaders/conv_tile.glsl):
//   out[out_c_offset + co][y][x] = act (bias[co] + sum over ci, ky, kx of
//       w[co][ci][ky][kx] in[ci][y - pad + ky][x - pad + kx])
// (zero outside the input).  Tensors planar float32 [C][H][W].
// Grid: x tiles of TILE_W columns, y tiles of TILE_H rows, z groups of COS
// output channels; NS_CONV_INVOCATIONS invocations per workgroup.
// Bindings: 0 in, 1 weights (packed, see conv_tile.glsl), 2 bias, 3 out.
// Push constants: NsConvTilePush (in_c_offset 0, flags NS_CONV_RELU).
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_ballot : require
#include "common.glsl"

layout (std430, binding = 0) readonly buffer In { float src[]; };
layout (std430, binding = 1) readonly buffer Weights { float weights[]; };
layout (std430, binding = 2) readonly buffer Bias { float bias[]; };
layout (std430, binding = 3) writeonly buffer Out { float dst[]; };

layout (push_constant) uniform Push
{
  uint in_c, in_h, in_w, in_c_offset;
  uint out_c, out_h, out_w, out_c_offset;
  uint kernel, pad, flags, pad_;
} pc;

#include "conv_tile.glsl"

float
ns_conv_load (uint index)
{
  return src[index];
}

void
main ()
{
  uint x = gl_WorkGroupID.x * TILE_W + gl_LocalInvocationIndex % TILE_W;
  uint y0 = gl_WorkGroupID.y * TILE_H +
            gl_LocalInvocationIndex / TILE_W * ROWS;
  uint co0 = gl_WorkGroupID.z * COS;
  float acc[ROWS][COS];

  // No early return: every invocation takes part in the staging.
  ns_conv_tile (acc);
  if (x >= pc.out_w)
    return;

  // Constant trip counts with guards, so that acc is indexed by constants.
  for (uint c = 0; c < COS; c++)
    {
      if (co0 + c >= pc.out_c)
        continue;
      float b = bias[co0 + c];
      uint  plane = (pc.out_c_offset + co0 + c) * pc.out_h * pc.out_w;

      for (uint r = 0; r < ROWS; r++)
        {
          if (y0 + r >= pc.out_h)
            continue;
          float value = acc[r][c] + b;

          dst[plane + (y0 + r) * pc.out_w + x] =
            (pc.flags & NS_CONV_RELU) != 0 ? max (value, 0.0) : value;
        }
    }
}
