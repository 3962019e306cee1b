/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Gram matrices of features and the gradient of a style loss through them.
 * Features are planar [C][H][W], read as F [C][N] with N = H * W. */
#pragma once

#include "ns-op.h"

G_BEGIN_DECLS

/* Floats the Gram buffer of ns_op_gram_record must hold for @c channels
 * and @n pixels: C * C for the result, times the slices the product over
 * N is split into on the way (the result is in the first C * C). */
guint64  ns_op_gram_buffer_floats   (guint          c,
                                     guint          n);

/* gram[i][j] = sum over p of F[i][p] F[j][p] / (C N), fp32. */
gboolean ns_op_gram_record          (NsKernels     *kernels,
                                     NsVkCommands  *commands,
                                     guint          c,
                                     guint          n,
                                     NsVkBuffer    *features,
                                     NsVkBuffer    *gram,
                                     GError       **error);

/* grad[i][p] = (or += when @accumulate)
 *   scale * sum over j of (gram[i][j] - target[i][j]) F[j][p],
 * two dispatches: the difference into @difference ([c][c] scratch), then
 * the product, which so reads one operand instead of two.
 * For E = w / norm * sum (G - A)^2, dE/dF is this with
 * scale = 4 w / (norm C N). */
gboolean ns_op_gram_backward_record (NsKernels     *kernels,
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
                                     GError       **error);

G_END_DECLS
