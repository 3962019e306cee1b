// SPDX-License-Identifier: GPL-3.0-or-later
// Winograd F(4x4, 3x3) for the stride-1 3x3 convolutions, in three passes
// (wino_input.comp, the products in gemm.comp, wino_output.comp):
//   out tile Y (4 x 4) = AT [U (.) V] AT^T,  U = G g G^T,  V = BT d BT^T,
// d the 6 x 6 input patch at (4 tx - pad, 4 ty - pad) of tile (tx, ty), g
// the 3 x 3 kernel, (.) the element-wise product summed over the input
// channels: for each of the 36 positions xi of the 6 x 6 grid
//   M[xi][co][t] = sum over ci of U[xi][ci][co] V[xi][ci][t],
// a matrix product, where the work is: 36 multiply-adds per tile of 16
// outputs and channel pair instead of 144.
//
// The matrices evaluate the polynomials at 0, infinity, 1, -1, 2 and 1/2
// (Toom-Cook; AT and BT from the interpolation, G from the evaluation),
// with rows scaled so that their entries lie in [1/2, 2] where possible.
// G (6 x 3; plugin/engine/ns-op-conv.c, which transforms the weights once):
//   [1 0 0] [0 0 1] [1 1 1] [1 -1 1] [1/2 1 2] [2 1 1/2]
// The point set is closed under p -> 1/p, so the flipped kernel's
// transform is the kernel's with rows and columns permuted by
// (1 0 2 3 5 4) (NS_GEMM_FLIP in gemm.comp): the backward pass (the flipped,
// transposed kernel) reads the forward pass's U, transposed.
#ifndef NS_WINOGRAD_GLSL
#define NS_WINOGRAD_GLSL

// Push constants of the two transforms (NsWinoPush in ns-op-conv.c).
// Tiles are 4 x 4 output pixels, tiles_x of them a row; a pass covers a
// band of `tiles` tiles from tile row tile_y0 on, laid out V[xi][ci][t]
// and M[xi][co][t], t < tiles.
// The *_addresses variants reach the three bindings through their device
// addresses (shaders/addresses.glsl).
#include "addresses.glsl"

layout (push_constant) uniform Push
{
  uint in_c, in_h, in_w, in_c_offset;
  uint out_c, out_h, out_w, out_c_offset;
  uint pad, flags, tiles_x, tile_y0;
  uint tiles, unused0, unused1, unused2;
  NS_PUSH_ADDRESSES (3)
} pc;

// Bit flags of pc.flags (NS_WINO_* in ns-op-conv.c).
#define NS_WINO_RELU       1u
#define NS_WINO_ACCUMULATE 2u
#define NS_WINO_MASK       4u
#define NS_WINO_BIAS       8u

// r = BT d for one row or column of six values.
void
ns_wino_bt (in float d[6], out float r[6])
{
  r[0] = d[0] - 2.5 * d[1] + 2.5 * d[3] - d[4];
  r[1] = -d[1] + 2.5 * d[2] - 2.5 * d[4] + d[5];
  r[2] = -d[1] + 1.5 * d[2] + 1.5 * d[3] - d[4];
  r[3] = -0.5 * d[1] + 1.75 * d[2] - 1.75 * d[3] + 0.5 * d[4];
  r[4] = 0.5 * d[1] - d[2] - 0.5 * d[3] + d[4];
  r[5] = d[1] - 0.5 * d[2] - d[3] + 0.5 * d[4];
}

// y = AT m for one row or column of six products.
void
ns_wino_at (in float m[6], out float y[4])
{
  const float c2 = 2.0 / 9.0, c4 = 4.0 / 9.0, c8 = 8.0 / 9.0,
              c16 = 16.0 / 9.0;

  y[0] = m[0] + m[2] + c2 * m[3] + c2 * m[4] + c16 * m[5];
  y[1] = m[2] - c2 * m[3] + c4 * m[4] + c8 * m[5];
  y[2] = m[2] + c2 * m[3] + c8 * m[4] + c4 * m[5];
  y[3] = m[1] + m[2] - c2 * m[3] + c16 * m[4] + c2 * m[5];
}

#endif
