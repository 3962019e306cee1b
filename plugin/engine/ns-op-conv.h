/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Convolution with bias and optional ReLU, forward and backward to the
 * input.  Tensors are planar float32 [C][H][W]; the engine holds weights
 * as [Cout][Cin][k][k] and packs them once, at upload, into the layouts the
 * shaders read. */
#pragma once

#include "ns-op.h"

G_BEGIN_DECLS

typedef struct
{
  guint    in_c, in_h, in_w;
  guint    out_c, out_h, out_w;   /* out size: ns_op_conv2d_shape_finish () */
  guint    kernel;                /* square, pixels */
  guint    stride;
  guint    pad;                   /* zeros around the input, pixels */
  gboolean relu;
  guint    out_c_offset;          /* first channel written in the output */
  guint    out_c_total;           /* channels of the output tensor */
} NsConvShape;

/* Fills out_h and out_w, (n + 2 pad - k) / stride + 1, and out_c_total if
 * 0; FALSE when the kernel does not fit the padded input. */
gboolean ns_op_conv2d_shape_finish       (NsConvShape       *shape);

/* Floats of each packed weights buffer, and the packing from
 * [Cout][Cin][k][k] for the forward and for the backward shader. */
gsize    ns_op_conv2d_weights_size       (const NsConvShape *shape);
void     ns_op_conv2d_pack_weights       (const NsConvShape *shape,
                                          const float       *weights,
                                          float             *packed);
void     ns_op_conv2d_pack_weights_backward (const NsConvShape *shape,
                                             const float       *weights,
                                             float             *packed);

gboolean ns_op_conv2d_record             (NsKernels         *kernels,
                                          NsVkCommands      *commands,
                                          const NsConvShape *shape,
                                          NsVkBuffer        *in,
                                          NsVkBuffer        *weights,
                                          NsVkBuffer        *bias,
                                          NsVkBuffer        *out,
                                          GError           **error);

/* grad_in (= or += when @accumulate) the gradient through the layer of
 * grad_out, masked by the ReLU where the layer has one (@out is the
 * layer's post-ReLU output). */
gboolean ns_op_conv2d_backward_record    (NsKernels         *kernels,
                                          NsVkCommands      *commands,
                                          const NsConvShape *shape,
                                          NsVkBuffer        *grad_out,
                                          NsVkBuffer        *out,
                                          NsVkBuffer        *weights_backward,
                                          NsVkBuffer        *grad_in,
                                          gboolean           accumulate,
                                          GError           **error);

G_END_DECLS
