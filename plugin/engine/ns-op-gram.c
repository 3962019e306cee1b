/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Gram matrices: how the product is split, checks, and the dispatches of
 * gram.comp, gram_reduce.comp and gram_backward.comp. */
#include "ns-op-gram.h"

/* Mirrors the push constants of shaders/gram.comp. */
typedef struct
{
  guint32 c, n;
  guint32 chunk;    /* values of p per slice, a multiple of GRAM_STEP */
  float   scale;    /* 1 / (C N) */
} NsGramPush;

_Static_assert (sizeof (NsGramPush) == 16, "matches shaders/gram.comp");

/* Mirrors the push constants of shaders/gram_reduce.comp. */
typedef struct
{
  guint32 count;    /* C * C */
  guint32 slices;
} NsGramReducePush;

_Static_assert (sizeof (NsGramReducePush) == 8,
                "matches shaders/gram_reduce.comp");

/* Mirrors the push constants of shaders/gram_backward.comp. */
typedef struct
{
  guint32 c, n;
  float   scale;
  guint32 accumulate;
} NsGramBackwardPush;

_Static_assert (sizeof (NsGramBackwardPush) == 16,
                "matches shaders/gram_backward.comp");

/* How gram_split counts tiles, and the granule of its slices. */
#define GRAM_TILE 32
#define GRAM_STEP 16

/* shaders/gram.comp: GRAM_INVOCATIONS invocations, each holding
 * GRAM_OWN_COLS columns j for GRAM_ROWS rows; gram_backward.comp:
 * GRAM_BACKWARD_INVOCATIONS invocations, each holding GRAM_BACKWARD_OWN
 * values of p for GRAM_BACKWARD_ROWS rows. */
#define GRAM_INVOCATIONS 16
#define GRAM_OWN_COLS 2
#define GRAM_COLS (GRAM_INVOCATIONS * GRAM_OWN_COLS)
#define GRAM_ROWS 16
static const guint32 gram_local_size[3] = { GRAM_INVOCATIONS, 1, 1 };
#define GRAM_BACKWARD_INVOCATIONS 32
#define GRAM_BACKWARD_OWN 3
#define GRAM_BACKWARD_COLS (GRAM_BACKWARD_INVOCATIONS * GRAM_BACKWARD_OWN)
#define GRAM_BACKWARD_ROWS 16
static const guint32 gram_backward_local_size[3] = {
  GRAM_BACKWARD_INVOCATIONS, 1, 1
};

/* Few channels give few tiles: the sum over p is then split into slices
 * so that about 256 workgroups run, each slice at least 2048 values. */
static void
gram_split (guint  c,
            guint  n,
            guint *slices,
            guint *chunk)
{
  guint tiles = ns_kernels_groups (c, GRAM_TILE);
  guint pairs = tiles * (tiles + 1) / 2;
  guint wanted = CLAMP ((256 + pairs - 1) / pairs, 1, 64);

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
  NsVkBuffer      *buffers[] = { features, gram };
  guint            slices, chunk;
  NsGramPush       push = { .c = c, .n = n };
  NsGramReducePush reduce = { .count = c * c };
  guint32          groups[3];

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

  push.chunk = chunk;
  push.scale = (float) (1.0 / ((double) c * n));
  groups[0] = ns_kernels_groups (c, GRAM_COLS);
  groups[1] = ns_kernels_groups (c, GRAM_ROWS);
  groups[2] = slices;
  if (!ns_op_dispatch (kernels, commands, NS_SHADER_gram, buffers, 2, &push,
                       sizeof push, gram_local_size, groups, error))
    return FALSE;
  if (slices == 1)
    return TRUE;

  reduce.slices = slices;
  return ns_op_dispatch_linear (kernels, commands, NS_SHADER_gram_reduce,
                                &buffers[1], 1, &reduce, sizeof reduce,
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
                            NsVkBuffer    *features,
                            NsVkBuffer    *grad,
                            gboolean       accumulate,
                            GError       **error)
{
  NsVkBuffer        *buffers[] = { gram, target, features, grad };
  NsGramBackwardPush push = {
    .c = c, .n = n, .scale = scale, .accumulate = accumulate ? 1 : 0,
  };
  guint32            groups[3] = {
    ns_kernels_groups (c, GRAM_BACKWARD_ROWS),
    ns_kernels_groups (n, GRAM_BACKWARD_COLS), 1
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
      !ns_op_check_buffer (features, (guint64) c * n, "gram_backward",
                           "features", error) ||
      !ns_op_check_buffer (grad, (guint64) c * n, "gram_backward", "grad",
                           error))
    return FALSE;

  if (groups[1] > NS_OP_MAX_GROUPS_X)
    {
      g_set_error (error, NS_ERROR, NS_ERROR_UNSUPPORTED,
                   "gram_backward: %u pixels, at most %u", n,
                   NS_OP_MAX_GROUPS_X * GRAM_BACKWARD_COLS);
      return FALSE;
    }

  return ns_op_dispatch (kernels, commands, NS_SHADER_gram_backward, buffers,
                         4, &push, sizeof push, gram_backward_local_size,
                         groups, error);
}
