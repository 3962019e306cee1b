#version 450
// SPDX-License-Identifier: GPL-3.0-or-later
// Convolution backward to the input (the weights are fixed), the direct
// variant for the layers conv2d_backward.comp does not tile:
//   grad_in[ci][y][x] (= or +=) sum over co, ky, kx with
//     oy s - p + ky = y and ox s - p + kx = x of
//     w[co][ci][ky][kx] gpre[co][oy][ox],
//   gpre[co] = grad_out[oc_offset + co] * (out[oc_offset + co] > 0) when the
//   layer has a ReLU (out is the post-ReLU output), grad_out otherwise.
// Written as a gather by phases: the input pixel y = Q s + a - p
// (0 <= a < s) is reached only by the taps ky = a + j s, from the output
// row oy = Q - j; columns likewise with x = U s + b - p, kx = b + i s,
// ox = U - i.  A workgroup takes one phase (a, b), so that all its lanes
// run the same taps, and CIS input channels.  Its INVOCATIONS
// invocations cover a TILE_QW x TILE_QH block of (U, Q); invocation n owns
// QC columns from (n % LANES_X) QC and QR rows from (n / LANES_X) QR, all
// CIS channels, in registers.  For each output channel and block of
// JB x JB taps it reads the (QR + JB - 1) x (QC + JB - 1) masked
// gradients its pixels need once; the CIS weights of each tap come in one
// load, each lane reading a different one, and are broadcast within the
// subgroup (GL_KHR_shader_subgroup_ballot, subgroups of at least 8).
// Grid: x blocks of TILE_QW columns U, y blocks of TILE_QH rows Q (from
// 0), z = channel group * s * s + a * s + b.
// Bindings: 0 grad_out, 1 out, 2 weights packed
// [ceil (Cin / CIS)][s][s][Cout][nj][nj][8] with nj = ceil (k / s): entry
// (g, a, b, co, j, i, t) holds w[co][g CIS + t][a + j s][b + i s], zero
// past Cin, past k and for t >= CIS; 3 grad_in.
// Push constants: NsConvBackwardPush.
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_ballot : require
#include "common.glsl"

// These mirror NS_CONV_BACK_* in plugin/engine/ns-op-conv.c.
#define INVOCATIONS 32
#define LANES_X 8
#define QR 4
#define QC 4
#define CIS 3

#define TILE_QW (LANES_X * QC)
#define TILE_QH (INVOCATIONS / LANES_X * QR)
#define JB 4
#define GR (QR + JB - 1)
#define GC (QC + JB - 1)

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

// The masked gradients of channel co at output rows q0 .. q0 + GR - 1,
// columns u0 .. u0 + GC - 1 (zero outside the output).
void
load_gradients (uint co,
                int  q0,
                int  u0,
                out float g[GR][GC])
{
  uint plane = (pc.out_c_offset + co) * pc.out_h * pc.out_w;

  for (int r = 0; r < GR; r++)
    for (int c = 0; c < GC; c++)
      {
        int oy = q0 + r, ox = u0 + c;

        g[r][c] = 0.0;
        if (oy < 0 || ox < 0 || oy >= int (pc.out_h) || ox >= int (pc.out_w))
          continue;
        uint at = plane + uint (oy) * pc.out_w + uint (ox);

        g[r][c] = grad_out[at];
        if (pc.relu != 0 && out_value[at] <= 0.0)
          g[r][c] = 0.0;
      }
}

// Adds the products of tap (j, i) (weights at wi) to acc.
void
tap (uint  wi,
     uint  jj,
     uint  ii,
     float g[GR][GC],
     inout float acc[CIS][QR][QC])
{
  float mine = weights[wi + gl_SubgroupInvocationID % 8];
  // subgroupBroadcast takes a constant lane.
  float w[CIS] = float[CIS] (subgroupBroadcast (mine, 0),
                             subgroupBroadcast (mine, 1),
                             subgroupBroadcast (mine, 2));

  for (uint t = 0; t < CIS; t++)
    for (uint r = 0; r < QR; r++)
      for (uint c = 0; c < QC; c++)
        acc[t][r][c] += g[r + JB - 1 - jj][c + JB - 1 - ii] * w[t];
}

void
main ()
{
  uint s = pc.stride;
  uint phase = gl_WorkGroupID.z % (s * s);
  uint group = gl_WorkGroupID.z / (s * s);
  uint a = phase / s, b = phase % s;
  uint nj = (pc.kernel + s - 1) / s;
  // Taps of this phase along y and x: j with a + j s < k.
  uint nj_y = (pc.kernel - min (a, pc.kernel) + s - 1) / s;
  uint nj_x = (pc.kernel - min (b, pc.kernel) + s - 1) / s;
  int  q0 = int (gl_WorkGroupID.y * TILE_QH +
                 gl_LocalInvocationIndex / LANES_X * QR);
  int  u0 = int (gl_WorkGroupID.x * TILE_QW +
                 gl_LocalInvocationIndex % LANES_X * QC);
  uint plane_in = pc.in_h * pc.in_w;
  float acc[CIS][QR][QC];

  for (uint t = 0; t < CIS; t++)
    for (uint r = 0; r < QR; r++)
      for (uint c = 0; c < QC; c++)
        acc[t][r][c] = 0.0;

  // No early return before the sums: every lane of a subgroup takes part
  // in the broadcasts.  The loop bounds are the same for the whole
  // workgroup.
  for (uint co = 0; co < pc.out_c; co++)
    for (uint jb = 0; jb < nj_y; jb += JB)
      for (uint ib = 0; ib < nj_x; ib += JB)
        {
          float g[GR][GC];
          uint  wi = ((((group * s * s + phase) * pc.out_c + co) * nj + jb) *
                      nj + ib) * 8;

          load_gradients (co, q0 - int (jb) - (JB - 1),
                          u0 - int (ib) - (JB - 1), g);
          for (uint jj = 0; jj < JB; jj++)
            for (uint ii = 0; ii < JB; ii++)
              if (jb + jj < nj_y && ib + ii < nj_x)
                tap (wi + (jj * nj + ii) * 8, jj, ii, g, acc);
        }

  for (uint t = 0; t < CIS; t++)
    {
      uint ci = group * CIS + t;

      if (ci >= pc.in_c)
        continue;
      for (uint r = 0; r < QR; r++)
        for (uint c = 0; c < QC; c++)
          {
            int y = (q0 + int (r)) * int (s) + int (a) - int (pc.pad);
            int x = (u0 + int (c)) * int (s) + int (b) - int (pc.pad);

            if (y < 0 || x < 0 || y >= int (pc.in_h) || x >= int (pc.in_w))
              continue;
            uint here = ci * plane_in + uint (y) * pc.in_w + uint (x);

            grad_in[here] = pc.accumulate != 0 ? grad_in[here] + acc[t][r][c] :
                                                 acc[t][r][c];
          }
    }
}
