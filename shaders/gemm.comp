#version 450
// SPDX-License-Identifier: GPL-3.0-or-later
// Batched matrix product over strided operands, the work of the Winograd
// and 1x1 convolutions and of the Gram matrices:
//   C[z][m][t] (= or += with NS_GEMM_ACCUMULATE)
//     act (scale * sum over k < K(z) of A[z'][m][k] B[z][k][t]
//          + bias[m] with NS_GEMM_BIAS),  act the ReLU with NS_GEMM_RELU
//   A[z'][m][k] = a[z' a_batch + m a_m + k a_k],
// for m < M, t < T(z),
//   B[z][k][t] = b[b_offset + z b_batch + k b_k + t b_t],
//   C[z][m][t] = c[c_offset + z c_batch + m c_m + t c_t],
// z' = z, or z with the rows and columns of a 6 x 6 Winograd grid
// permuted by the kernel flip (NS_GEMM_FLIP; shaders/winograd.glsl).
// K(z) = k and T(z) = t, except k_last and t_last for the last z.
// A workgroup of GEMM_INVOCATIONS invocations (the host picks the device's
// subgroup size, 8 to 64: one subgroup) computes COS rows m by
// GEMM_INVOCATIONS * ROWS columns t: invocation i owns the columns
// t0 + i + GEMM_INVOCATIONS r (r < ROWS) for all COS rows, in registers.
// A is read 8 values at a time, lane j of each subgroup reading row
// m0 + 8 h + j, then broadcast within the subgroup (subgroups of at least
// 8: ns-vk.c requires them); on a CPU driver this turns 8 loads of one
// address into one load and 8 register broadcasts, and the lanes' loads of
// B are the only gathers.  Rows past M read row M - 1 and columns past
// T(z) column T(z) - 1; neither is written.
// With NS_GEMM_SYMMETRIC (C is symmetric: M = T, and A's rows are B's
// columns) only entries with t >= m are computed, and each with t > m is
// also written at (t, m); blocks wholly below the diagonal return at once.
// Grid: x blocks of GEMM_INVOCATIONS * ROWS columns, y blocks of COS rows,
// z the batch.  Bindings: 0 a, 1 bias with NS_GEMM_BIAS (any buffer
// without), 2 b, 3 c.  Push constants: NsGemmPush in ns-op-gemm.c.
// Built twice: gemm reads a and b through the bindings, gemm_addresses
// through their device addresses (shaders/addresses.glsl).
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_ballot : require
#include "addresses.glsl"
#include "common.glsl"

layout (std430, binding = 0) readonly buffer A { float a[]; };
layout (std430, binding = 1) readonly buffer Bias { float bias[]; };
layout (std430, binding = 2) readonly buffer B { float b[]; };
layout (std430, binding = 3) buffer C { float c[]; };

layout (push_constant) uniform Push
{
  uint  m, t, k, k_last;
  uint  a_batch, a_m, a_k, flags;
  uint  b_batch, b_k, b_t, t_last;
  uint  c_batch, c_m, c_t;
  float scale;
  uint  b_offset, c_offset, unused0, unused1;
  NS_PUSH_ADDRESSES (4)   // shaders/addresses.glsl
} pc;

// Bit flags of pc.flags.
#define NS_GEMM_FLIP       1u
#define NS_GEMM_ACCUMULATE 4u
#define NS_GEMM_BIAS       8u
#define NS_GEMM_RELU       16u
#define NS_GEMM_SYMMETRIC  32u

// These two mirror NS_GEMM_* in plugin/engine/ns-op-gemm.c.
#define GEMM_INVOCATIONS gl_WorkGroupSize.x
#define ROWS 2
#define COS 32

uint
flip_position (uint z)
{
  // 0 <-> infinity and 2 <-> 1/2 swap places: positions 0 <-> 1, 4 <-> 5.
  const uint flip[6] = uint[6] (1, 0, 2, 3, 5, 4);

  return flip[z / 6] * 6 + flip[z % 6];
}

void
main ()
{
  uint  z = gl_WorkGroupID.z;
  uint  m0 = gl_WorkGroupID.y * COS;
  uint  t0 = gl_WorkGroupID.x * (GEMM_INVOCATIONS * ROWS) +
             gl_LocalInvocationIndex;
  uint  lane = gl_SubgroupInvocationID % 8;
  uint  a_z = (pc.flags & NS_GEMM_FLIP) != 0 ? flip_position (z) : z;
  bool  last = z + 1 == gl_NumWorkGroups.z;
  uint  k_n = last ? pc.k_last : pc.k;
  uint  t_n = last ? pc.t_last : pc.t;
  bool  symmetric = (pc.flags & NS_GEMM_SYMMETRIC) != 0;
  uint  a_at[COS / 8], b_at[ROWS];
  float acc[ROWS][COS];

  // A symmetric C is computed on and above its diagonal (t >= m) only: a
  // block whose columns all lie left of its first row has nothing to do.
  if (symmetric &&
      (gl_WorkGroupID.x + 1) * (GEMM_INVOCATIONS * ROWS) <= m0)
    return;

  for (uint h = 0; h < COS / 8; h++)
    a_at[h] = a_z * pc.a_batch + min (m0 + h * 8 + lane, pc.m - 1) * pc.a_m;
  for (uint r = 0; r < ROWS; r++)
    b_at[r] = pc.b_offset + z * pc.b_batch +
              min (t0 + r * GEMM_INVOCATIONS, t_n - 1) * pc.b_t;
  for (uint r = 0; r < ROWS; r++)
    for (uint q = 0; q < COS; q++)
      acc[r][q] = 0.0;

  for (uint k = 0; k < k_n; k++)
    {
      float column[ROWS];
      float mine[COS / 8];

      for (uint r = 0; r < ROWS; r++)
        column[r] = NS_AT (b, b_at[r] + k * pc.b_k, 2);
      for (uint h = 0; h < COS / 8; h++)
        mine[h] = NS_AT (a, a_at[h] + k * pc.a_k, 0);
      for (uint h = 0; h < COS / 8; h++)
        {
          // subgroupBroadcast takes a constant lane.
          float w[8] = float[8] (subgroupBroadcast (mine[h], 0),
                                 subgroupBroadcast (mine[h], 1),
                                 subgroupBroadcast (mine[h], 2),
                                 subgroupBroadcast (mine[h], 3),
                                 subgroupBroadcast (mine[h], 4),
                                 subgroupBroadcast (mine[h], 5),
                                 subgroupBroadcast (mine[h], 6),
                                 subgroupBroadcast (mine[h], 7));

          for (uint q = 0; q < 8; q++)
            for (uint r = 0; r < ROWS; r++)
              acc[r][h * 8 + q] += column[r] * w[q];
        }
    }

  // Constant trip counts with guards, so that acc is indexed by constants.
  for (uint q = 0; q < COS; q++)
    {
      if (m0 + q >= pc.m)
        continue;
      float b = (pc.flags & NS_GEMM_BIAS) != 0 ? bias[m0 + q] : 0.0;

      for (uint r = 0; r < ROWS; r++)
        {
          uint t = t0 + r * GEMM_INVOCATIONS;

          if (t >= t_n)
            continue;
          if (symmetric && t < m0 + q)
            continue;
          uint  o = pc.c_offset + z * pc.c_batch + (m0 + q) * pc.c_m +
                    t * pc.c_t;
          float value = pc.scale * acc[r][q] + b;

          if ((pc.flags & NS_GEMM_RELU) != 0)
            value = max (value, 0.0);
          c[o] = (pc.flags & NS_GEMM_ACCUMULATE) != 0 ? c[o] + value : value;
          // Each entry below the diagonal is its mirror's, written once.
          if (symmetric && t > m0 + q)
            c[pc.c_offset + z * pc.c_batch + t * pc.c_m + (m0 + q) * pc.c_t] =
              value;
        }
    }
}
