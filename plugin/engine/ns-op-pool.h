/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Max and average pooling over square windows, forward and backward.
 * Tensors are planar float32 [C][H][W]; pixels outside the image
 * (padding) never take part: they never win a max and are not counted in
 * an average. */
#pragma once

#include "ns-op.h"

G_BEGIN_DECLS

typedef struct
{
  guint channels;
  guint in_h, in_w;       /* input size, pixels */
  guint out_h, out_w;     /* output size: ns_op_pool_out_size () */
  guint kernel;           /* window side, pixels */
  guint stride;
  guint pad;              /* pixels before row 0 and column 0; < kernel */
} NsPoolShape;

/* Output size along one axis of @n input pixels:
 *   floor mode: (n + 2 pad - kernel) / stride + 1
 *   ceil mode:  ceil ((n + 2 pad - kernel) / stride) + 1, less one when the
 *               last window would start at or past n + pad (Caffe's rule).
 * 0 when the window does not fit (n + 2 pad < kernel) or stride is 0. */
guint    ns_op_pool_out_size              (guint              n,
                                           guint              kernel,
                                           guint              stride,
                                           guint              pad,
                                           gboolean           ceil_mode);

/* out [C][out_h][out_w] = max (or mean) of each window of in; max also
 * writes @where [C][out_h][out_w], uint32 y * in_w + x of each window's
 * first maximum (row-major), for the backward pass. */
gboolean ns_op_pool_max_record            (NsKernels         *kernels,
                                           NsVkCommands      *commands,
                                           const NsPoolShape *shape,
                                           NsVkBuffer        *in,
                                           NsVkBuffer        *out,
                                           NsVkBuffer        *where,
                                           GError           **error);
gboolean ns_op_pool_avg_record            (NsKernels         *kernels,
                                           NsVkCommands      *commands,
                                           const NsPoolShape *shape,
                                           NsVkBuffer        *in,
                                           NsVkBuffer        *out,
                                           GError           **error);

/* grad_in [C][in_h][in_w] = (or += when @accumulate) the gradient through
 * the pooling of grad_out [C][out_h][out_w].  Max routes each output's
 * gradient to the first maximum of its window, @where the forward pass
 * recorded it. */
gboolean ns_op_pool_max_backward_record   (NsKernels         *kernels,
                                           NsVkCommands      *commands,
                                           const NsPoolShape *shape,
                                           NsVkBuffer        *where,
                                           NsVkBuffer        *grad_out,
                                           NsVkBuffer        *grad_in,
                                           gboolean           accumulate,
                                           GError           **error);
gboolean ns_op_pool_avg_backward_record   (NsKernels         *kernels,
                                           NsVkCommands      *commands,
                                           const NsPoolShape *shape,
                                           NsVkBuffer        *grad_out,
                                           NsVkBuffer        *grad_in,
                                           gboolean           accumulate,
                                           GError           **error);

G_END_DECLS
