/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Batched matrix products: the dispatch of shaders/gemm.comp. */
#include "ns-op-gemm.h"

/* Mirror shaders/gemm.comp: columns per invocation, rows per workgroup;
 * the invocations per workgroup are one subgroup, 8 to 64. */
#define NS_GEMM_OWN_COLUMNS     2
#define NS_GEMM_ROWS            32
#define NS_GEMM_MIN_INVOCATIONS 8
#define NS_GEMM_MAX_INVOCATIONS 64

_Static_assert (NS_GEMM_MIN_INVOCATIONS * NS_GEMM_OWN_COLUMNS ==
                NS_GEMM_COLUMNS_BLOCK, "the columns of one workgroup");
_Static_assert (NS_GEMM_ROWS == NS_GEMM_ROWS_BLOCK,
                "the rows of one workgroup");

/* Flags of NsGemmPush. */
enum
{
  NS_GEMM_FLIP       = 1,
  NS_GEMM_ACCUMULATE = 4,
  NS_GEMM_BIAS       = 8,
  NS_GEMM_RELU       = 16,
  NS_GEMM_SYMMETRIC  = 32,
};

/* Mirrors the push constants of shaders/gemm.comp. */
typedef struct
{
  guint32 m, t, k, k_last;
  guint32 a_batch, a_m, a_k, flags;
  guint32 b_batch, b_k, b_t, t_last;
  guint32 c_batch, c_m, c_t;
  float   scale;
  guint32 b_offset, c_offset, unused[2];
} NsGemmPush;

_Static_assert (sizeof (NsGemmPush) == 80, "matches shaders/gemm.comp");

/* One subgroup a workgroup: on a CPU driver (8 lanes) a workgroup is one
 * vector of invocations, on a GPU one wave.
 * TODO(gpu): measure on a GPU; larger blocks may pay off there. */
static guint32
gemm_invocations (NsKernels *kernels)
{
  guint32 size = ns_vk_context_get_subgroup_size (kernels->ctx);

  return CLAMP (size, NS_GEMM_MIN_INVOCATIONS, NS_GEMM_MAX_INVOCATIONS);
}

/* The floats an operand spans, 1 + its largest index, for batch z of
 * @rows x @columns. */
static guint64
span_at (guint64 z,
         guint   batch,
         guint   rows,
         guint   row_stride,
         guint   columns,
         guint   column_stride)
{
  return 1 + z * batch + (guint64) (rows - 1) * row_stride +
         (guint64) (columns - 1) * column_stride;
}

/* The same over every batch: the last one may be shorter along the sum
 * (k_last) or along t (t_last). */
typedef enum
{
  OPERAND_A,
  OPERAND_B,
  OPERAND_C,
} Operand;

static guint64
operand_span (const NsGemm *g,
              Operand       operand)
{
  guint64 span = 0;

  for (guint last = 0; last < 2; last++)
    {
      guint64 z = g->batches - 1 - (last ? 0 : 1);
      guint   k = last ? g->k_last : g->k;
      guint   t = last ? g->t_last : g->t;

      if (!last && g->batches < 2)
        continue;
      switch (operand)
        {
        case OPERAND_A:
          span = MAX (span, span_at (z, g->a_batch, g->m, g->a_m, k, g->a_k));
          break;
        case OPERAND_B:
          span = MAX (span, g->b_offset +
                            span_at (z, g->b_batch, k, g->b_k, t, g->b_t));
          break;
        case OPERAND_C:
          span = MAX (span, g->c_offset +
                            span_at (z, g->c_batch, g->m, g->c_m, t, g->c_t));
          break;
        }
    }

  return span;
}

void
ns_op_gemm_over_pixels (NsGemm *gemm,
                        guint   n)
{
  guint columns = MIN (n, NS_GEMM_MAX_COLUMNS);

  gemm->batches = ns_kernels_groups (n, MAX (columns, 1));
  gemm->t = columns;
  gemm->t_last = n - (gemm->batches - 1) * columns;
  gemm->b_batch = columns;
  gemm->b_k = n;
  gemm->b_t = 1;
  gemm->c_batch = columns;
  gemm->c_m = n;
  gemm->c_t = 1;
}

gboolean
ns_op_gemm_record (NsKernels     *kernels,
                   NsVkCommands  *commands,
                   const NsGemm  *gemm,
                   NsVkBuffer    *a,
                   NsVkBuffer    *bias,
                   NsVkBuffer    *b,
                   NsVkBuffer    *c,
                   GError       **error)
{
  NsVkBuffer *buffers[] = { a, bias != NULL ? bias : a, b, c };
  guint       t_most = MAX (gemm->t, gemm->t_last);
  guint32     local_size[3] = { gemm_invocations (kernels), 1, 1 };
  NsGemmPush  push = {
    .m = gemm->m, .t = gemm->t, .k = gemm->k, .k_last = gemm->k_last,
    .a_batch = gemm->a_batch, .a_m = gemm->a_m, .a_k = gemm->a_k,
    .flags = (gemm->flip ? NS_GEMM_FLIP : 0) |
             (gemm->accumulate ? NS_GEMM_ACCUMULATE : 0) |
             (bias != NULL ? NS_GEMM_BIAS : 0) |
             (gemm->relu ? NS_GEMM_RELU : 0) |
             (gemm->symmetric ? NS_GEMM_SYMMETRIC : 0),
    .b_batch = gemm->b_batch, .b_k = gemm->b_k, .b_t = gemm->b_t,
    .t_last = gemm->t_last,
    .c_batch = gemm->c_batch, .c_m = gemm->c_m, .c_t = gemm->c_t,
    .scale = gemm->scale,
    .b_offset = gemm->b_offset, .c_offset = gemm->c_offset,
  };
  guint32     groups[3] = {
    ns_kernels_groups (t_most, local_size[0] * NS_GEMM_OWN_COLUMNS),
    ns_kernels_groups (gemm->m, NS_GEMM_ROWS_BLOCK),
    gemm->batches,
  };

  if (gemm->batches == 0 || gemm->m == 0 || gemm->t == 0 ||
      gemm->t_last == 0 || gemm->k == 0 || gemm->k_last == 0 ||
      (gemm->symmetric && (gemm->t != gemm->m || gemm->t_last != gemm->m ||
                           gemm->accumulate)))
    {
      g_set_error (error, NS_ERROR, NS_ERROR_BAD_INPUT,
                   "gemm: %u batches of %u x %u by %u", gemm->batches,
                   gemm->m, gemm->t, gemm->k);
      return FALSE;
    }
  /* With the flip, batch z reads batch flip (z) of A, below 36 too. */
  if (!ns_op_check_buffer (a, operand_span (gemm, OPERAND_A), "gemm", "a",
                           error) ||
      (bias != NULL &&
       !ns_op_check_buffer (bias, gemm->m, "gemm", "bias", error)) ||
      !ns_op_check_buffer (b, operand_span (gemm, OPERAND_B), "gemm", "b",
                           error) ||
      !ns_op_check_buffer (c, operand_span (gemm, OPERAND_C), "gemm", "c",
                           error))
    return FALSE;

  return ns_op_dispatch (kernels, commands, NS_SHADER_gemm, buffers, 4, &push,
                         sizeof push, local_size, groups, error);
}
