#version 450
// SPDX-License-Identifier: GPL-3.0-or-later
// Winograd input transform (shaders/winograd.glsl):
//   V[xi][ci][t] = (BT d BT^T)[xi],  d = src[in_c_offset + ci] on the 6 x 6
// patch of tile t (zeros outside the image), masked
// by mask[...] > 0 with NS_WINO_MASK (the backward pass: src the
// gradient, mask the layer's post-ReLU output).
// Grid: x tiles of the band, y input channels.
// Bindings: 0 src, 1 mask (any buffer without NS_WINO_MASK), 2 V.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "winograd.glsl"

layout (std430, binding = 0) readonly buffer Src { float src[]; };
layout (std430, binding = 1) readonly buffer Mask { float mask[]; };
layout (std430, binding = 2) writeonly buffer Transformed { float v[]; };

void
main ()
{
  uint  t = gl_GlobalInvocationID.x;
  uint  ci = gl_GlobalInvocationID.y;
  float d[6][6];
  float rows[6][6];

  if (t >= pc.tiles || ci >= pc.in_c)
    return;

  ivec2 origin = ivec2 (t % pc.tiles_x, pc.tile_y0 + t / pc.tiles_x) * 4 -
                 int (pc.pad);
  uint  plane = (pc.in_c_offset + ci) * pc.in_h * pc.in_w;

  for (int y = 0; y < 6; y++)
    for (int x = 0; x < 6; x++)
      {
        ivec2 at = origin + ivec2 (x, y);
        bool  inside = at.x >= 0 && at.y >= 0 &&
                       at.x < int (pc.in_w) && at.y < int (pc.in_h);
        uint  i = plane + uint (at.y) * pc.in_w + uint (at.x);
        float value = inside ? NS_AT (src, i, 0) : 0.0;

        if (inside && (pc.flags & NS_WINO_MASK) != 0 &&
            NS_AT (mask, i, 1) <= 0.0)
          value = 0.0;
        d[y][x] = value;
      }

  // BT along each row, then along each column.
  for (int y = 0; y < 6; y++)
    ns_wino_bt (d[y], rows[y]);
  for (int x = 0; x < 6; x++)
    {
      float column[6], out_column[6];

      for (int y = 0; y < 6; y++)
        column[y] = rows[y][x];
      ns_wino_bt (column, out_column);
      for (int a = 0; a < 6; a++)
        NS_AT (v, ((a * 6 + x) * pc.in_c + ci) * pc.tiles + t, 2) =
          out_column[a];
    }
}
