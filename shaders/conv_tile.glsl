// SPDX-License-Identifier: GPL-3.0-or-later
// The tiled stride-1 convolution shared by conv2d.comp (forward) and
// conv2d_backward.comp (the backward pass written as the forward
// convolution of the masked gradient with the flipped, transposed kernel):
//   acc[co][y][x] = sum over ci < in_c, ky, kx < k of
//       w[co][ci][ky][kx] src[in_c_offset + ci][y - pad + ky][x - pad + kx]
// with src zero outside the image, kernel k <= 3, pad < k.
//
// A workgroup of NS_CONV_INVOCATIONS invocations computes a TILE_W x
// TILE_H block of pixels for COS output channels: invocation i owns column
// i % TILE_W, rows ROWS (i / TILE_W) .. + ROWS - 1, all COS channels, in
// registers.  Input channels go in steps of CIS: the step's input window
// (TILE_W + k - 1) x (TILE_H + k - 1) per channel is staged in shared
// memory (CIS x 18 x 18 floats, 10.1 KiB, within the 16 KiB every device
// has).  The weights of one tap for the COS channels are read straight
// from the buffer, 8 per load with each lane of a subgroup reading a
// different one, then broadcast within the subgroup
// (GL_KHR_shader_subgroup_ballot, subgroups of at least 8: ns-vk.c
// requires both).  On a CPU driver a load is one scalar load per lane
// even when all lanes read the same address, so this turns 8 loads per
// weight into 1 load and 8 register broadcasts; on a GPU it is one load
// instead of 8 cached ones.
// Grid: x column tiles, y row tiles, z groups of COS output channels.
//
// The including shader declares the Push block `pc` (NsConvTilePush in
// plugin/engine/ns-op-conv.c) and a float buffer `weights` packed
// [ceil (Cout / COS)][Cin][k][k][COS] (zeros past Cout) before including
// this file, and defines ns_conv_load (the source value at a planar index);
// ns_conv_tile () returns the sums.
#ifndef NS_CONV_TILE_GLSL
#define NS_CONV_TILE_GLSL

// These four mirror NS_CONV_TILE_* in plugin/engine/ns-op-conv.c.
#define NS_CONV_INVOCATIONS 32
#define TILE_W 16
#define ROWS 8
#define COS 16

#define TILE_H (NS_CONV_INVOCATIONS / TILE_W * ROWS)
#define CIS 8
#define KMAX 3
#define SIDE_MAX (TILE_H + KMAX - 1)

shared float tile_src[CIS * (TILE_W + KMAX - 1) * SIDE_MAX];

// Bit flags of pc.flags.
#define NS_CONV_RELU       1u
#define NS_CONV_ACCUMULATE 2u
#define NS_CONV_MASK       4u

float ns_conv_load (uint index);

// Stages input channels ci0 .. ci0 + n - 1 (zeros past the image).
void
ns_conv_stage (uint ci0,
               uint n,
               uint side_w,
               uint side_h,
               ivec2 origin)
{
  uint tx = gl_LocalInvocationIndex % TILE_W;
  uint ty = gl_LocalInvocationIndex / TILE_W;

  // Rows and columns in steps of the workgroup's shape: no division.
  for (uint c = 0; c < n; c++)
    for (uint y = ty; y < side_h; y += NS_CONV_INVOCATIONS / TILE_W)
      for (uint x = tx; x < side_w; x += TILE_W)
        {
          ivec2 at = origin + ivec2 (x, y);
          bool  inside = at.x >= 0 && at.y >= 0 && at.x < int (pc.in_w) &&
                         at.y < int (pc.in_h);

          tile_src[(c * side_h + y) * side_w + x] = inside ?
            ns_conv_load ((pc.in_c_offset + ci0 + c) * pc.in_h * pc.in_w +
                          uint (at.y) * pc.in_w + uint (at.x)) : 0.0;
        }
}

// Adds the staged channels' products to acc[row][channel], the weights
// read and broadcast as the top of this file says.
void
ns_conv_accumulate (uint  ci0,
                    uint  n,
                    uint  side_w,
                    uint  side_h,
                    inout float acc[ROWS][COS])
{
  uint lx = gl_LocalInvocationIndex % TILE_W;
  uint ly = gl_LocalInvocationIndex / TILE_W * ROWS;
  uint k = pc.kernel;
  uint lane = gl_SubgroupInvocationID % 8;

  for (uint c = 0; c < n; c++)
    for (uint kx = 0; kx < KMAX; kx++)
      if (kx < k)
        {
          float column[ROWS + KMAX - 1];
          uint  at = (c * side_h + ly) * side_w + lx + kx;

          for (uint j = 0; j < ROWS + KMAX - 1; j++)
            column[j] = j < ROWS + k - 1 ? tile_src[at + j * side_w] : 0.0;
          // Constant trip counts with guards: the loops unroll and acc
          // stays in registers.
          for (uint ky = 0; ky < KMAX; ky++)
            if (ky < k)
              {
                uint  wi = (((gl_WorkGroupID.z * pc.in_c + ci0 + c) * k + ky) *
                            k + kx) * COS;
                float mine[COS / 8];

                for (uint h = 0; h < COS / 8; h++)
                  mine[h] = weights[wi + h * 8 + lane];
                for (uint h = 0; h < COS / 8; h++)
                  {
                    // subgroupBroadcast takes a constant lane.
                    float w[8] = float[8] (
                      subgroupBroadcast (mine[h], 0),
                      subgroupBroadcast (mine[h], 1),
                      subgroupBroadcast (mine[h], 2),
                      subgroupBroadcast (mine[h], 3),
                      subgroupBroadcast (mine[h], 4),
                      subgroupBroadcast (mine[h], 5),
                      subgroupBroadcast (mine[h], 6),
                      subgroupBroadcast (mine[h], 7));

                    for (uint q = 0; q < 8; q++)
                      for (uint r = 0; r < ROWS; r++)
                        acc[r][h * 8 + q] += column[r + ky] * w[q];
                  }
              }
        }
}

// The sums for this invocation's ROWS pixels and COS channels.
void
ns_conv_tile (out float acc[ROWS][COS])
{
  uint  side_w = TILE_W + pc.kernel - 1;
  uint  side_h = TILE_H + pc.kernel - 1;
  ivec2 origin = ivec2 (gl_WorkGroupID.xy * uvec2 (TILE_W, TILE_H)) -
                 int (pc.pad);

  for (uint r = 0; r < ROWS; r++)
    for (uint q = 0; q < COS; q++)
      acc[r][q] = 0.0;

  for (uint ci0 = 0; ci0 < pc.in_c; ci0 += CIS)
    {
      uint n = min (CIS, pc.in_c - ci0);

      barrier ();
      ns_conv_stage (ci0, n, side_w, side_h, origin);
      barrier ();
      ns_conv_accumulate (ci0, n, side_w, side_h, acc);
    }
}

#endif
