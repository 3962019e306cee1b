#version 450
// SPDX-License-Identifier: GPL-3.0-or-later
// Convolution backward to the input, stride 1, kernel <= 3, pad < kernel,
// tiled (shaders/conv_tile.glsl) as the forward convolution of the masked
// gradient with the flipped, transposed kernel:
//   gpre[co] = grad_out[out_c_offset + co] * (out[out_c_offset + co] > 0)
//     with a ReLU (out is the post-ReLU output), grad_out without;
//   grad_in[ci][y][x] (= or +=) sum over co, ky, kx of
//     wt[ci][co][ky][kx] gpre[co][y - (k - 1 - pad) + ky][...x likewise],
//   wt[ci][co][ky][kx] = w[co][ci][k - 1 - ky][k - 1 - kx].
// The mask is applied as the gradient is staged, once per tile.
// Grid: x tiles of TILE_W columns, y tiles of TILE_H rows of grad_in, z
// groups of COS input channels.  Bindings: 0 grad_out, 1 out, 2 weights
// (wt packed as conv_tile.glsl says), 3 grad_in.  Push constants:
// NsConvTilePush seen from the transposed convolution (in_* the layer's
// output, out_* its input; flags NS_CONV_MASK, NS_CONV_ACCUMULATE).
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_ballot : require
#include "common.glsl"

layout (std430, binding = 0) readonly buffer GradOut { float grad_out[]; };
layout (std430, binding = 1) readonly buffer Out { float out_value[]; };
layout (std430, binding = 2) readonly buffer Weights { float weights[]; };
layout (std430, binding = 3) buffer GradIn { float grad_in[]; };

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
  float g = grad_out[index];

  return (pc.flags & NS_CONV_MASK) != 0 && out_value[index] <= 0.0 ? 0.0 : g;
}

void
main ()
{
  uint x = gl_WorkGroupID.x * TILE_W + gl_LocalInvocationIndex % TILE_W;
  uint y0 = gl_WorkGroupID.y * TILE_H +
            gl_LocalInvocationIndex / TILE_W * ROWS;
  uint ci0 = gl_WorkGroupID.z * COS;
  float acc[ROWS][COS];

  // No early return: every invocation takes part in the staging.
  ns_conv_tile (acc);
  if (x >= pc.out_w)
    return;

  // Constant trip counts with guards, so that acc is indexed by constants.
  for (uint c = 0; c < COS; c++)
    {
      if (ci0 + c >= pc.out_c)
        continue;
      uint plane = (ci0 + c) * pc.out_h * pc.out_w;

      for (uint r = 0; r < ROWS; r++)
        {
          if (y0 + r >= pc.out_h)
            continue;
          uint  here = plane + (y0 + r) * pc.out_w + x;
          float sum = acc[r][c];

          grad_in[here] = (pc.flags & NS_CONV_ACCUMULATE) != 0 ?
                          grad_in[here] + sum : sum;
        }
    }
}
