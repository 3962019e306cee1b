#version 450
// SPDX-License-Identifier: GPL-3.0-or-later
// Convolution backward to the input (the weights are fixed), the direct
// variant for the layers conv2d_backward.comp does not tile:
//   grad_in[ci][y][x] (= or +=) sum over co, ky, kx with
//     oy s - p + ky = y and ox s - p + kx = x of
//     w[co][ci][ky][kx] gpre[co][oy][ox],
//   gpre[co] = grad_out[oc_offset + co] * (out[oc_offset + co] > 0) when the
//   layer has a ReLU (out is the post-ReLU output), grad_out otherwise.
// Written as a gather: each invocation owns one input pixel of INS input
// channels, so no two invocations write the same place, and each masked
// gradient it reads serves INS products.  Only the taps with
// ky = y + p (mod s) reach an output row; the loops step over the others.
// Grid: x indexes input pixels (y * in_w + x), y input channel groups of
// INS.  Bindings: 0 grad_out, 1 out, 2 weights [Cout][Cin][k][k],
// 3 grad_in.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

#define INS 4

layout (std430, binding = 0) readonly buffer GradOut { float grad_out[]; };
layout (std430, binding = 1) readonly buffer Out { float out_value[]; };
layout (std430, binding = 2) readonly buffer Weights { float weights[]; };
layout (std430, binding = 3) buffer GradIn { float grad_in[]; };

layout (push_constant) uniform Push
{
  uint in_c, in_h, in_w;
  uint out_c, out_h, out_w;
  uint kernel, stride, pad;
  uint relu;
  uint out_c_offset, out_c_total;
  uint accumulate;
} pc;

void
main ()
{
  uint pixel = gl_GlobalInvocationID.x;
  uint ci0 = gl_GlobalInvocationID.y * INS;
  uint plane_out = pc.out_h * pc.out_w;
  uint plane_in = pc.in_h * pc.in_w;
  uint k2 = pc.kernel * pc.kernel;
  uint n = min (INS, pc.in_c - min (ci0, pc.in_c));
  float sum[INS];

  if (pixel >= plane_in || ci0 >= pc.in_c)
    return;

  int y = int (pixel / pc.in_w) + int (pc.pad);
  int x = int (pixel % pc.in_w) + int (pc.pad);
  int s = int (pc.stride);

  for (uint i = 0; i < INS; i++)
    sum[i] = 0.0;

  for (uint ky = uint (y % s); ky < pc.kernel; ky += uint (s))
    {
      int ty = y - int (ky);

      if (ty < 0)
        break;
      if (ty / s >= int (pc.out_h))
        continue;
      for (uint kx = uint (x % s); kx < pc.kernel; kx += uint (s))
        {
          int tx = x - int (kx);

          if (tx < 0)
            break;
          if (tx / s >= int (pc.out_w))
            continue;
          uint at = uint (ty / s) * pc.out_w + uint (tx / s);
          uint tap = ky * pc.kernel + kx;

          for (uint co = 0; co < pc.out_c; co++)
            {
              uint  index = (pc.out_c_offset + co) * plane_out + at;
              float g = grad_out[index];
              uint  w = (co * pc.in_c + ci0) * k2 + tap;

              if (pc.relu != 0 && out_value[index] <= 0.0)
                continue;
              for (uint i = 0; i < INS; i++)
                if (i < n)
                  sum[i] += weights[w + i * k2] * g;
            }
        }
    }

  for (uint i = 0; i < n; i++)
    {
      uint here = (ci0 + i) * plane_in + pixel;

      grad_in[here] = pc.accumulate != 0 ? grad_in[here] + sum[i] : sum[i];
    }
}
