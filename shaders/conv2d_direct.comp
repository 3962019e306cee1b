#version 450
// SPDX-License-Identifier: GPL-3.0-or-later
// Convolution forward with bias and optional ReLU, the direct variant for
// the layers conv2d.comp does not tile (stride > 1 or kernel > 3):
//   out[oc_offset + co][y][x] = act (bias[co] + sum over ci, ky, kx of
//       w[co][ci][ky][kx] in[ci][y s - p + ky][x s - p + kx])
// (zero outside the input).  Tensors planar float32.
// A workgroup of INVOCATIONS invocations computes a TILE_W x TILE_H block
// of output pixels for COS output channels: invocation i owns column
// i % TILE_W, rows ROWS (i / TILE_W) .. + ROWS - 1, all COS channels, in
// registers.  For each tap it reads ROWS input values, and the COS
// weights of the tap 8 per load, each lane of a subgroup reading a
// different one, then broadcast within the subgroup (as conv_tile.glsl
// does; GL_KHR_shader_subgroup_ballot, subgroups of at least 8).
// Grid: x tiles of TILE_W columns, y tiles of TILE_H rows, z groups of
// COS output channels.
// Bindings: 0 in, 1 weights packed [ceil (Cout / COS)][Cin][k][k][COS]
// (zeros past Cout), 2 bias, 3 out.  Push constants: NsConvPush.
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_ballot : require
#include "common.glsl"

// These four mirror NS_CONV_DIRECT_* in plugin/engine/ns-op-conv.c.
#define INVOCATIONS 32
#define TILE_W 16
#define ROWS 8
#define COS 16

#define TILE_H (INVOCATIONS / TILE_W * ROWS)

layout (std430, binding = 0) readonly buffer In { float src[]; };
layout (std430, binding = 1) readonly buffer Weights { float weights[]; };
layout (std430, binding = 2) readonly buffer Bias { float bias[]; };
layout (std430, binding = 3) writeonly buffer Out { float dst[]; };

layout (push_constant) uniform Push
{
  uint in_c, in_h, in_w;
  uint out_c, out_h, out_w;
  uint kernel, stride, pad;
  uint relu;
  uint out_c_offset, out_c_total;
} pc;

// Adds the products of input channel ci's taps to acc[row][channel] for
// the pixels at column x, rows y0 ...
void
accumulate (uint ci,
            uint x,
            uint y0,
            inout float acc[ROWS][COS])
{
  uint k = pc.kernel;
  int  s = int (pc.stride);
  int  ix0 = int (x) * s - int (pc.pad);
  int  iy0 = int (y0) * s - int (pc.pad);
  uint lane = gl_SubgroupInvocationID % 8;
  uint plane = ci * pc.in_h * pc.in_w;

  for (uint ky = 0; ky < k; ky++)
    for (uint kx = 0; kx < k; kx++)
      {
        int   ix = ix0 + int (kx);
        uint  wi = (((gl_WorkGroupID.z * pc.in_c + ci) * k + ky) * k + kx) *
                   COS;
        float value[ROWS];
        float mine[COS / 8];

        for (uint r = 0; r < ROWS; r++)
          {
            int iy = iy0 + int (r) * s + int (ky);

            value[r] = 0.0;
            if (ix >= 0 && ix < int (pc.in_w) && iy >= 0 &&
                iy < int (pc.in_h))
              value[r] = src[plane + uint (iy) * pc.in_w + uint (ix)];
          }
        for (uint h = 0; h < COS / 8; h++)
          mine[h] = weights[wi + h * 8 + lane];
        for (uint h = 0; h < COS / 8; h++)
          {
            // subgroupBroadcast takes a constant lane.
            float w[8] = float[8] (
              subgroupBroadcast (mine[h], 0), subgroupBroadcast (mine[h], 1),
              subgroupBroadcast (mine[h], 2), subgroupBroadcast (mine[h], 3),
              subgroupBroadcast (mine[h], 4), subgroupBroadcast (mine[h], 5),
              subgroupBroadcast (mine[h], 6), subgroupBroadcast (mine[h], 7));

            for (uint q = 0; q < 8; q++)
              for (uint r = 0; r < ROWS; r++)
                acc[r][h * 8 + q] += value[r] * w[q];
          }
      }
}

void
main ()
{
  uint  x = gl_WorkGroupID.x * TILE_W + gl_LocalInvocationIndex % TILE_W;
  uint  y0 = gl_WorkGroupID.y * TILE_H +
             gl_LocalInvocationIndex / TILE_W * ROWS;
  uint  co0 = gl_WorkGroupID.z * COS;
  uint  plane_out = pc.out_h * pc.out_w;
  float acc[ROWS][COS];

  for (uint r = 0; r < ROWS; r++)
    for (uint c = 0; c < COS; c++)
      acc[r][c] = 0.0;

  // No early return before the sums: every lane of a subgroup takes part
  // in the broadcasts.
  for (uint ci = 0; ci < pc.in_c; ci++)
    accumulate (ci, x, y0, acc);
  if (x >= pc.out_w)
    return;

  // Constant trip counts with guards, so that acc is indexed by constants.
  for (uint c = 0; c < COS; c++)
    {
      if (co0 + c >= pc.out_c)
        continue;
      float b = bias[co0 + c];
      uint  at = (pc.out_c_offset + co0 + c) * plane_out + x;

      for (uint r = 0; r < ROWS; r++)
        {
          if (y0 + r >= pc.out_h)
            continue;
          float value = acc[r][c] + b;

          dst[at + (y0 + r) * pc.out_w] =
            pc.relu != 0 ? max (value, 0.0) : value;
        }
    }
}
