/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Loss values and the content and total-variation gradients.  The loss
 * values are written into slots of a small float buffer by single
 * workgroups, summed in the same order on every run. */
#pragma once

#include "ns-op.h"

G_BEGIN_DECLS

/* grad[i] = (or += when @accumulate) scale * (features[i] - target[i]). */
gboolean ns_op_content_backward_record (NsKernels     *kernels,
                                        NsVkCommands  *commands,
                                        guint          n,
                                        float          scale,
                                        NsVkBuffer    *features,
                                        NsVkBuffer    *target,
                                        NsVkBuffer    *grad,
                                        gboolean       accumulate,
                                        GError       **error);

/* loss[slot] = scale * sum over i < n of (a[i] - b[i])^2, fp32. */
gboolean ns_op_sq_diff_sum_record      (NsKernels     *kernels,
                                        NsVkCommands  *commands,
                                        guint          n,
                                        float          scale,
                                        NsVkBuffer    *a,
                                        NsVkBuffer    *b,
                                        NsVkBuffer    *loss,
                                        guint          slot,
                                        GError       **error);

/* Total variation of an image [3][h][w]: loss[slot] = scale * sum of the
 * squared differences between horizontal and vertical neighbours. */
gboolean ns_op_tv_loss_record          (NsKernels     *kernels,
                                        NsVkCommands  *commands,
                                        guint          h,
                                        guint          w,
                                        float          scale,
                                        NsVkBuffer    *image,
                                        NsVkBuffer    *loss,
                                        guint          slot,
                                        GError       **error);

/* grad [3][h][w] += the gradient of that total variation (same scale). */
gboolean ns_op_tv_backward_record      (NsKernels     *kernels,
                                        NsVkCommands  *commands,
                                        guint          h,
                                        guint          w,
                                        float          scale,
                                        NsVkBuffer    *image,
                                        NsVkBuffer    *grad,
                                        GError       **error);

G_END_DECLS
