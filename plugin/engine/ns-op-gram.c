/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Gram matrices and their gradient as matrix products (ns-op-gemm.h): how
 * the product is split, checks, and the sum of the slices
 * (gram_reduce.comp). */
#include "ns-op-gram.h"

#include "ns-op-gemm.h"
#include "ns-op-loss.h"

/* Mirrors the push constants of shaders/gram_reduce.comp. */
typedef struct
{
  guint32 count;    /* C * C */
  guint32 slices;
} NsGramReducePush;

_Static_assert (sizeof (NsGramReducePush) == 8,
                "matches shaders/gram_reduce.comp");

/* The sum over p is cut into slices that are multiples of this. */
#define GRAM_STEP 16

/* Few channels give few blocks of the C x C product: the sum over p is
 * then split into slices so that about 256 workgroups run, each slice at
 * least 2048 values. */
static void
gram_split (guint  c,
            guint  n,
            guint *slices,
            guint *chunk)
{
  guint blocks = ns_kernels_groups (c, NS_GEMM_ROWS_BLOCK) *
                 ns_kernels_groups (c, NS_GEMM_COLUMNS_BLOCK);
  guint wanted = CLAMP ((256 + blocks - 1) / blocks, 1, 64);

  wanted = CLAMP (MIN (wanted, n / 2048), 1, 64);
  *chunk = ns_kernels_groups (ns_kernels_groups (n, wanted), GRAM_STEP)
           * GRAM_STEP;
  *slices = ns_kernels_groups (n, *chunk);
}

guint64
ns_op_gram_buffer_floats (guint c,
                          guint n)
{
  guint slices, chunk;

  gram_split (c, MAX (n, 1), &slices, &chunk);
  return (guint64) slices * c * c;
}

gboolean
ns_op_gram_record (NsKernels     *kernels,
                   NsVkCommands  *commands,
                   guint          c,
                   guint          n,
                   NsVkBuffer    *features,
                   NsVkBuffer    *gram,
                   GError       **error)
{
  guint            slices, chunk;
  NsGramReducePush reduce = { .count = c * c };
  NsGemm           product;

  if (c == 0 || n == 0)
    {
      g_set_error (error, NS_ERROR, NS_ERROR_BAD_INPUT,
                   "gram: %u channels of %u pixels", c, n);
      return FALSE;
    }
  gram_split (c, n, &slices, &chunk);
  if (!ns_op_check_buffer (features, (guint64) c * n, "gram", "features",
                           error) ||
      !ns_op_check_buffer (gram, (guint64) slices * c * c, "gram", "gram",
                           error))
    return FALSE;

  /* Slice z: G[z][i][j] = sum over p in the slice of F[i][p] F[j][p],
   * with A = F and B = F^T, both offset by the slice's first p; G is
   * symmetric, so the product computes j >= i and mirrors it. */
  product = (NsGemm) {
    .batches = slices, .m = c, .t = c, .t_last = c,
    .k = chunk, .k_last = n - (slices - 1) * chunk,
    .a_batch = chunk, .a_m = n, .a_k = 1,
    .b_batch = chunk, .b_k = 1, .b_t = n,
    .c_batch = c * c, .c_m = c, .c_t = 1,
    .scale = (float) (1.0 / ((double) c * n)),
    .symmetric = TRUE,
  };
  if (!ns_op_gemm_record (kernels, commands, &product, features, NULL,
                          features, gram, error))
    return FALSE;
  if (slices == 1)
    return TRUE;

  reduce.slices = slices;
  return ns_op_dispatch_linear (kernels, commands, NS_SHADER_gram_reduce,
                                &gram, 1, &reduce, sizeof reduce,
                                reduce.count, error);
}

gboolean
ns_op_gram_backward_record (NsKernels     *kernels,
                            NsVkCommands  *commands,
                            guint          c,
                            guint          n,
                            float          scale,
                            NsVkBuffer    *gram,
                            NsVkBuffer    *target,
                            NsVkBuffer    *difference,
                            NsVkBuffer    *features,
                            NsVkBuffer    *grad,
                            gboolean       accumulate,
                            GError       **error)
{
  NsGemm product = {
    .m = c, .k = c, .k_last = c, .a_m = c, .a_k = 1,
    .scale = scale, .accumulate = accumulate,
  };

  if (c == 0 || n == 0)
    {
      g_set_error (error, NS_ERROR, NS_ERROR_BAD_INPUT,
                   "gram_backward: %u channels of %u pixels", c, n);
      return FALSE;
    }
  if (!ns_op_check_buffer (gram, (guint64) c * c, "gram_backward", "gram",
                           error) ||
      !ns_op_check_buffer (target, (guint64) c * c, "gram_backward",
                           "target", error) ||
      !ns_op_check_buffer (difference, (guint64) c * c, "gram_backward",
                           "difference", error) ||
      !ns_op_check_buffer (features, (guint64) c * n, "gram_backward",
                           "features", error) ||
      !ns_op_check_buffer (grad, (guint64) c * n, "gram_backward", "grad",
                           error))
    return FALSE;

  /* grad[i][p] = scale sum over j of D[i][j] F[j][p] with D = G minus the
   * target (content_backward.comp's difference, scale 1): A = D, B = F.
   * Read in the product, the difference would cost a second load of
   * every A value. */
  ns_op_gemm_over_pixels (&product, n);

  return ns_op_content_backward_record (kernels, commands, c * c, 1.0f, gram,
                                        target, difference, FALSE, error) &&
         ns_op_gemm_record (kernels, commands, &product, difference, NULL,
                            features, grad, error);
}
