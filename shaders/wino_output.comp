#version 450
// SPDX-License-Identifier: GPL-3.0-or-later
// Winograd output transform (shaders/winograd.glsl): the 4 x 4 pixels of
// tile t and channel co,
//   out[out_c_offset + co][4 ty + i][4 tx + j] (= or +=, NS_WINO_ACCUMULATE)
//     act ((AT M[.][co][t] AT^T)[i][j] + bias[co] (with NS_WINO_BIAS)),
// act the ReLU with NS_WINO_RELU; pixels past the output are not written.
// Grid: x tiles of the chunk, y output channels.
// Bindings: 0 M [36][out_c][tiles], 1 bias (any buffer without
// NS_WINO_BIAS), 2 out.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "winograd.glsl"

layout (std430, binding = 0) readonly buffer Products { float m[]; };
layout (std430, binding = 1) readonly buffer Bias { float bias[]; };
layout (std430, binding = 2) buffer Out { float dst[]; };

#define DST(i) NS_AT (dst, i, 2)

void
main ()
{
  uint  t = gl_GlobalInvocationID.x;
  uint  co = gl_GlobalInvocationID.y;
  float columns[6][4];

  if (t >= pc.tiles || co >= pc.out_c)
    return;

  // AT down each column of the 6 x 6 products, then along the rows.
  for (uint x = 0; x < 6; x++)
    {
      float column[6];

      for (uint a = 0; a < 6; a++)
        column[a] = NS_AT (m, ((a * 6 + x) * pc.out_c + co) * pc.tiles + t,
                           0);
      ns_wino_at (column, columns[x]);
    }

  uvec2 origin = uvec2 (t % pc.tiles_x, pc.tile_y0 + t / pc.tiles_x) * 4;
  float b = (pc.flags & NS_WINO_BIAS) != 0 ? bias[co] : 0.0;
  uint  plane = (pc.out_c_offset + co) * pc.out_h * pc.out_w;

  for (uint i = 0; i < 4; i++)
    {
      float row[6], y[4];

      for (uint x = 0; x < 6; x++)
        row[x] = columns[x][i];
      ns_wino_at (row, y);
      for (uint j = 0; j < 4; j++)
        {
          uvec2 at = origin + uvec2 (j, i);

          if (at.x >= pc.out_w || at.y >= pc.out_h)
            continue;
          uint  here = plane + at.y * pc.out_w + at.x;
          float value = y[j] + b;

          if ((pc.flags & NS_WINO_RELU) != 0)
            value = max (value, 0.0);
          if ((pc.flags & NS_WINO_ACCUMULATE) != 0)
            value += DST (here);
          DST (here) = value;
        }
    }
}
