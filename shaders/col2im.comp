#version 450
// SPDX-License-Identifier: GPL-3.0-or-later
// The gather that ends a convolution's backward pass as a matrix product
// (ns-op-conv.c): with col[(ci k + ky) k + kx][(oy - oy0) out_w + ox] the
// gradient of the layer's input patch entries for output rows
// oy0 <= oy < oy0 + rows,
//   grad_in[ci][y][x] += sum over ky, kx with y + pad - ky = oy stride,
//                        x + pad - kx = ox stride of col[...][...]
// for the input rows y that those output rows reach.
// Grid: x input columns, y input rows from y0 (the first one reached),
// z input channels.  Bindings: 0 col, 1 grad_in.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout (std430, binding = 0) readonly buffer Col { float col[]; };
layout (std430, binding = 1) buffer GradIn { float grad_in[]; };

layout (push_constant) uniform Push
{
  uint in_h, in_w, out_w, kernel;
  uint stride, pad, oy0, rows;
  uint y0, unused0, unused1, unused2;
} pc;

void
main ()
{
  uint  x = gl_GlobalInvocationID.x;
  uint  y = pc.y0 + gl_GlobalInvocationID.y;
  uint  ci = gl_GlobalInvocationID.z;
  uint  band = pc.rows * pc.out_w;
  float sum = 0.0;

  if (x >= pc.in_w || y >= pc.in_h)
    return;

  for (uint ky = 0; ky < pc.kernel; ky++)
    {
      int ry = int (y + pc.pad) - int (ky) - int (pc.oy0 * pc.stride);

      if (ry < 0 || ry % int (pc.stride) != 0 ||
          ry / int (pc.stride) >= int (pc.rows))
        continue;
      for (uint kx = 0; kx < pc.kernel; kx++)
        {
          int rx = int (x + pc.pad) - int (kx);

          if (rx < 0 || rx % int (pc.stride) != 0 ||
              rx / int (pc.stride) >= int (pc.out_w))
            continue;
          sum += col[((ci * pc.kernel + ky) * pc.kernel + kx) * band +
                     uint (ry) / pc.stride * pc.out_w +
                     uint (rx) / pc.stride];
        }
    }
  grad_in[(ci * pc.in_h + y) * pc.in_w + x] += sum;
}
