/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Convolution with bias and optional ReLU, forward and backward to the
 * input.  Tensors are planar float32 [C][H][W]; the engine holds weights
 * as [Cout][Cin][k][k] and packs them once, at upload, into the layouts the
 * shaders read. */
#pragma once

#include "ns-op.h"

G_BEGIN_DECLS

/* How a convolution is computed: NS_CONV_AUTO takes Winograd F(4x4, 3x3)
 * for every 3x3 stride-1 layer with a pad of at most 2, a matrix product
 * for 1x1 stride-1 layers without pad, and the tiled or direct shaders
 * for the rest; NS_CONV_DIRECT always takes the last two.  The packed
 * weights differ between them. */
typedef enum
{
  NS_CONV_AUTO = 0,
  NS_CONV_DIRECT,
} NsConvAlgorithm;

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
  NsConvAlgorithm algorithm;
  guint    band_rows;             /* Winograd tile rows, or output rows
                                     of the other products, per band; 0:
                                     as many as fit 16 MiB (tests force
                                     small bands) */
} NsConvShape;

/* Two work buffers of the products, each of at least
 * ns_op_conv2d_scratch_size () floats, shared by every layer (Winograd's
 * transformed input and products, the other layers' patch gradients;
 * their contents do not outlive a layer). */
typedef struct
{
  NsVkBuffer *transformed;
  NsVkBuffer *products;
} NsConvScratch;

/* Fills out_h and out_w, (n + 2 pad - k) / stride + 1, and out_c_total if
 * 0; FALSE when the kernel does not fit the padded input. */
gboolean ns_op_conv2d_shape_finish       (NsConvShape       *shape);

/* Whether the layer goes through Winograd, and whether its backward pass
 * reads the forward pass's packed weights (Winograd and 1x1 layers); the
 * shape's channels, kernel, stride, pad and algorithm decide, its size
 * does not. */
gboolean ns_op_conv2d_winograd           (const NsConvShape *shape);
gboolean ns_op_conv2d_shares_weights     (const NsConvShape *shape);

/* Floats of each scratch buffer for the layer (0 when it needs none):
 * Winograd layers, and the backward pass of layers other than 1x1 ones,
 * run in bands of rows so that each buffer stays near 16 MiB.  Then the most dispatches it records,
 * forward or backward. */
gsize    ns_op_conv2d_scratch_size       (const NsConvShape *shape);
guint    ns_op_conv2d_dispatches         (const NsConvShape *shape);

/* Floats of each packed weights buffer, and the packing from
 * [Cout][Cin][k][k] for the forward and for the backward shader.  A
 * Winograd layer's backward pass reads the forward buffer (the packings
 * are the same), and so does a 1x1 layer's. */
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
                                          const NsConvScratch *scratch,
                                          GError           **error);

/* grad_in (= or += when @accumulate) the gradient through the layer of
 * grad_out, masked by the ReLU where the layer has one (@out is the
 * layer's post-ReLU output).  @scratch may be NULL unless the layer goes
 * through Winograd.  A 1x1 layer's backward pass masks @grad_out by the
 * ReLU in place. */
gboolean ns_op_conv2d_backward_record    (NsKernels         *kernels,
                                          NsVkCommands      *commands,
                                          const NsConvShape *shape,
                                          NsVkBuffer        *grad_out,
                                          NsVkBuffer        *out,
                                          NsVkBuffer        *weights_backward,
                                          NsVkBuffer        *grad_in,
                                          gboolean           accumulate,
                                          const NsConvScratch *scratch,
                                          GError           **error);

G_END_DECLS
