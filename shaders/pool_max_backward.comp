#version 450
// SPDX-License-Identifier: GPL-3.0-or-later
// Gradient of max pooling: each output's gradient goes to the first maximum
// of its window, which the forward pass (pool_max.comp) recorded in where,
// written as a gather: input pixel (c, y, x) sums grad_out over the windows
// covering it whose first maximum it is; grad_in = that sum, or += it when
// accumulate is 1.  Each invocation owns a BLOCK x BLOCK square of input
// pixels of one channel, reads where and grad_out once for every window
// covering any of them, and adds that gradient to the pixel named, if it
// is one of its own: with 3x3 windows at stride 2, a 4 x 4 block reads 9
// windows.
// Grid: linear over the blocks, c slowest, then block rows, then block
// columns (ceil (in_h / BLOCK) x ceil (in_w / BLOCK) per channel).
// Bindings: 0 where [C][out_h][out_w] (uint, y in_w + x), 1 grad_out
// [C][out_h][out_w], 2 grad_in [C][in_h][in_w].  Push constants: pool.glsl.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "pool.glsl"

// Mirrors NS_POOL_BACKWARD_BLOCK in plugin/engine/ns-op-pool.c.
#define BLOCK 4

layout (std430, binding = 0) readonly buffer Where { uint where[]; };
layout (std430, binding = 1) readonly buffer GradOut { float grad_out[]; };
layout (std430, binding = 2) buffer GradIn { float grad_in[]; };

void
main ()
{
  uint  i = ns_linear_index ();
  uint  blocks_w = (pc.in_w + BLOCK - 1) / BLOCK;
  uint  blocks_h = (pc.in_h + BLOCK - 1) / BLOCK;
  uint  plane = pc.in_h * pc.in_w;
  uvec2 corner, rows, cols;
  uint  c;
  float sum[BLOCK][BLOCK];

  if (i >= pc.channels * blocks_h * blocks_w)
    return;

  corner = uvec2 (i % blocks_w, (i / blocks_w) % blocks_h) * BLOCK;
  c = i / (blocks_w * blocks_h);
  // The windows covering any pixel of the block: those covering its first
  // row or column through those covering its last (in the image).
  rows = uvec2 (pool_covering (corner.y, pc.out_h).x,
                pool_covering (min (corner.y + BLOCK, pc.in_h) - 1,
                               pc.out_h).y);
  cols = uvec2 (pool_covering (corner.x, pc.out_w).x,
                pool_covering (min (corner.x + BLOCK, pc.in_w) - 1,
                               pc.out_w).y);

  for (uint r = 0; r < BLOCK; r++)
    for (uint q = 0; q < BLOCK; q++)
      sum[r][q] = 0.0;

  for (uint oy = rows.x; oy < rows.y; oy++)
    for (uint ox = cols.x; ox < cols.y; ox++)
      {
        uint  o = (c * pc.out_h + oy) * pc.out_w + ox;
        uint  w = where[o];
        uvec2 at = uvec2 (w % pc.in_w, w / pc.in_w) - corner;

        if (at.x >= BLOCK || at.y >= BLOCK)
          continue;
        float g = grad_out[o];

        // Constant indices, so that sum stays in registers.
        for (uint r = 0; r < BLOCK; r++)
          for (uint q = 0; q < BLOCK; q++)
            if (at == uvec2 (q, r))
              sum[r][q] += g;
      }

  for (uint r = 0; r < BLOCK; r++)
    for (uint q = 0; q < BLOCK; q++)
      {
        if (corner.y + r >= pc.in_h || corner.x + q >= pc.in_w)
          continue;
        uint here = c * plane + (corner.y + r) * pc.in_w + corner.x + q;

        grad_in[here] = pc.accumulate != 0 ? grad_in[here] + sum[r][q] :
                                             sum[r][q];
      }
}
