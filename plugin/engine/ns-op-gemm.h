/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Batched matrix products over strided operands (shaders/gemm.comp): the
 * products of the Winograd convolution and of the Gram matrices. */
#pragma once

#include "ns-op.h"

G_BEGIN_DECLS

/* Rows m per workgroup of shaders/gemm.comp, and its columns t with the
 * smallest workgroup (8 invocations; devices with larger subgroups take
 * more columns). */
#define NS_GEMM_ROWS_BLOCK    32
#define NS_GEMM_COLUMNS_BLOCK 16

/* Columns t one batch may have (at most 32768 workgroups along x): longer
 * products go in batches of this many columns. */
#define NS_GEMM_MAX_COLUMNS (32768 * NS_GEMM_COLUMNS_BLOCK)

/* C[z][m][t] (= or += with accumulate)
 *   act (scale * sum over k < K(z) of A[z'][m][k] B[z][k][t] + bias[m]),
 * act the ReLU with relu, bias where that buffer is not NULL, for
 * z < batches, m < m, t < T(z), with K(z) = k and T(z) = t except k_last
 * and t_last for the last z; each operand element at z * *_batch plus its
 * indices times their strides, in floats, B's and C's from b_offset and
 * c_offset on; z' = z, or z's Winograd position flipped (flip, 36
 * batches).  With symmetric the caller promises C[z] is symmetric
 * (m = t = t_last, A's rows are B's columns, no accumulate): half of it is
 * computed and mirrored. */
typedef struct
{
  guint    batches, m, t, t_last, k, k_last;
  guint    a_batch, a_m, a_k;
  guint    b_batch, b_k, b_t;
  guint    c_batch, c_m, c_t;
  guint    b_offset, c_offset;
  float    scale;
  gboolean flip;
  gboolean accumulate;
  gboolean relu;
  gboolean symmetric;
} NsGemm;

/* Lays @gemm over the @n pixels of planar B [k][n] and C [m][n], in
 * batches of at most NS_GEMM_MAX_COLUMNS columns: sets batches, t,
 * t_last and B's and C's strides (b_batch, b_k, b_t, c_batch, c_m, c_t);
 * the rest of @gemm is the caller's. */
void     ns_op_gemm_over_pixels (NsGemm *gemm,
                                 guint   n);

gboolean ns_op_gemm_record (NsKernels     *kernels,
                            NsVkCommands  *commands,
                            const NsGemm  *gemm,
                            NsVkBuffer    *a,
                            NsVkBuffer    *bias,
                            NsVkBuffer    *b,
                            NsVkBuffer    *c,
                            GError       **error);

G_END_DECLS
