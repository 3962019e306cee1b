/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Losses: checks and the dispatches of content_backward.comp,
 * sq_diff_sum.comp, tv_loss.comp and tv_backward.comp. */
#include "ns-op-loss.h"

/* Mirrors the push constants of shaders/content_backward.comp. */
typedef struct
{
  guint32 n;
  float   scale;
  guint32 accumulate;
} NsContentBackwardPush;

_Static_assert (sizeof (NsContentBackwardPush) == 12,
                "matches shaders/content_backward.comp");

/* Mirrors the push constants of shaders/sq_diff_sum.comp. */
typedef struct
{
  guint32 n;
  guint32 slot;
  float   scale;
} NsSqDiffSumPush;

_Static_assert (sizeof (NsSqDiffSumPush) == 12,
                "matches shaders/sq_diff_sum.comp");

/* Mirrors the push constants of shaders/tv_loss.comp. */
typedef struct
{
  guint32 h, w;
  guint32 slot;
  float   scale;
} NsTvLossPush;

_Static_assert (sizeof (NsTvLossPush) == 16, "matches shaders/tv_loss.comp");

/* Mirrors the push constants of shaders/tv_backward.comp. */
typedef struct
{
  guint32 h, w;
  float   scale;
} NsTvBackwardPush;

_Static_assert (sizeof (NsTvBackwardPush) == 12,
                "matches shaders/tv_backward.comp");

/* The one workgroup of the reductions (shaders/reduce.glsl): a power of
 * two that every Vulkan device allows. */
static const guint32 reduce_local_size[3] = { 128, 1, 1 };
static const guint32 reduce_groups[3] = { 1, 1, 1 };

gboolean
ns_op_content_backward_record (NsKernels     *kernels,
                               NsVkCommands  *commands,
                               guint          n,
                               float          scale,
                               NsVkBuffer    *features,
                               NsVkBuffer    *target,
                               NsVkBuffer    *grad,
                               gboolean       accumulate,
                               GError       **error)
{
  NsVkBuffer           *buffers[] = { features, target, grad };
  NsContentBackwardPush push = {
    .n = n, .scale = scale, .accumulate = accumulate ? 1 : 0,
  };

  if (!ns_op_check_buffer (features, n, "content_backward", "features",
                           error) ||
      !ns_op_check_buffer (target, n, "content_backward", "target", error) ||
      !ns_op_check_buffer (grad, n, "content_backward", "grad", error))
    return FALSE;

  return ns_op_dispatch_linear (kernels, commands, NS_SHADER_content_backward,
                                buffers, 3, &push, sizeof push, n, error);
}

gboolean
ns_op_sq_diff_sum_record (NsKernels     *kernels,
                          NsVkCommands  *commands,
                          guint          n,
                          float          scale,
                          NsVkBuffer    *a,
                          NsVkBuffer    *b,
                          NsVkBuffer    *loss,
                          guint          slot,
                          GError       **error)
{
  NsVkBuffer     *buffers[] = { a, b, loss };
  NsSqDiffSumPush push = { .n = n, .slot = slot, .scale = scale };

  if (!ns_op_check_buffer (a, n, "sq_diff_sum", "a", error) ||
      !ns_op_check_buffer (b, n, "sq_diff_sum", "b", error) ||
      !ns_op_check_buffer (loss, (guint64) slot + 1, "sq_diff_sum", "loss",
                           error))
    return FALSE;

  return ns_op_dispatch (kernels, commands, NS_SHADER_sq_diff_sum, buffers,
                         3, &push, sizeof push, reduce_local_size,
                         reduce_groups, error);
}

gboolean
ns_op_tv_loss_record (NsKernels     *kernels,
                      NsVkCommands  *commands,
                      guint          h,
                      guint          w,
                      float          scale,
                      NsVkBuffer    *image,
                      NsVkBuffer    *loss,
                      guint          slot,
                      GError       **error)
{
  NsVkBuffer  *buffers[] = { image, loss };
  NsTvLossPush push = { .h = h, .w = w, .slot = slot, .scale = scale };

  if (!ns_op_check_buffer (image, 3 * (guint64) h * w, "tv_loss", "image",
                           error) ||
      !ns_op_check_buffer (loss, (guint64) slot + 1, "tv_loss", "loss",
                           error))
    return FALSE;

  return ns_op_dispatch (kernels, commands, NS_SHADER_tv_loss, buffers, 2,
                         &push, sizeof push, reduce_local_size,
                         reduce_groups, error);
}

gboolean
ns_op_tv_backward_record (NsKernels     *kernels,
                          NsVkCommands  *commands,
                          guint          h,
                          guint          w,
                          float          scale,
                          NsVkBuffer    *image,
                          NsVkBuffer    *grad,
                          GError       **error)
{
  guint64          n = 3 * (guint64) h * w;
  NsVkBuffer      *buffers[] = { image, grad };
  NsTvBackwardPush push = { .h = h, .w = w, .scale = scale };

  if (!ns_op_check_buffer (image, n, "tv_backward", "image", error) ||
      !ns_op_check_buffer (grad, n, "tv_backward", "grad", error))
    return FALSE;

  return ns_op_dispatch_linear (kernels, commands, NS_SHADER_tv_backward,
                                buffers, 2, &push, sizeof push, n, error);
}
