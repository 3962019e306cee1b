#version 450
// SPDX-License-Identifier: GPL-3.0-or-later
// Convolution forward with bias and optional ReLU, the direct variant for
// the layers conv2d.comp does not tile (stride > 1 or kernel > 3):
//   out[oc_offset + co][y][x] = act (bias[co] + sum over ci, ky, kx of
//       w[co][ci][ky][kx] in[ci][y s - p + ky][x s - p + kx])
// (zero outside the input).  Tensors planar float32; weights
// [Cout][Cin][k][k].  Each invocation computes OUTS output channels of one
// pixel, so every input value it reads serves OUTS products.
// Grid: x indexes output pixels (y * out_w + x), y output channel groups
// of OUTS.  Bindings: 0 in, 1 weights, 2 bias, 3 out.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

#define OUTS 4

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

void
main ()
{
  uint pixel = gl_GlobalInvocationID.x;
  uint co0 = gl_GlobalInvocationID.y * OUTS;
  uint plane_out = pc.out_h * pc.out_w;
  uint plane_in = pc.in_h * pc.in_w;
  uint k2 = pc.kernel * pc.kernel;
  float sum[OUTS];

  if (pixel >= plane_out || co0 >= pc.out_c)
    return;

  int oy = int (pixel / pc.out_w);
  int ox = int (pixel % pc.out_w);
  int iy0 = oy * int (pc.stride) - int (pc.pad);
  int ix0 = ox * int (pc.stride) - int (pc.pad);

  for (uint o = 0; o < OUTS; o++)
    sum[o] = co0 + o < pc.out_c ? bias[co0 + o] : 0.0;

  for (uint ci = 0; ci < pc.in_c; ci++)
    for (uint ky = 0; ky < pc.kernel; ky++)
      {
        int iy = iy0 + int (ky);

        if (iy < 0 || iy >= int (pc.in_h))
          continue;
        for (uint kx = 0; kx < pc.kernel; kx++)
          {
            int ix = ix0 + int (kx);

            if (ix < 0 || ix >= int (pc.in_w))
              continue;
            float value = src[ci * plane_in + uint (iy) * pc.in_w + uint (ix)];
            uint  tap = (ci * pc.kernel + ky) * pc.kernel + kx;

            for (uint o = 0; o < OUTS; o++)
              if (co0 + o < pc.out_c)
                sum[o] += weights[(co0 + o) * pc.in_c * k2 + tap] * value;
          }
      }

  for (uint o = 0; o < OUTS; o++)
    if (co0 + o < pc.out_c)
      dst[(pc.out_c_offset + co0 + o) * plane_out + pixel] =
        pc.relu != 0 ? max (sum[o], 0.0) : sum[o];
}
