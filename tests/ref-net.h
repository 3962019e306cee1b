/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Plain C reference of a feature network, driven by its NsNet table: the
 * ground truth the GPU forward pass and the weights loaders are checked
 * against.  Slow by design (direct loops, no blocking). */
#pragma once

#include <glib.h>

#include "ns-net.h"
#include "ns-weights.h"

G_BEGIN_DECLS

/* A planar float32 tensor [channels][height][width]. */
typedef struct
{
  guint  channels;
  guint  height;
  guint  width;
  float *data;
} RefTensor;

void       ref_tensor_init      (RefTensor        *tensor,
                                 guint             channels,
                                 guint             height,
                                 guint             width);
void       ref_tensor_clear     (RefTensor        *tensor);

/* @rgb: planar RGB [3][height][width] in 0..1.  Writes the network input:
 * channel c (BGR order when net->bgr) = (value * range - mean[c]) / std[c]. */
void       ref_net_input        (const NsNet      *net,
                                 const float      *rgb,
                                 guint             height,
                                 guint             width,
                                 RefTensor        *input);

/* Cross-correlation as in Caffe and PyTorch, zero padding:
 *   out[o][y][x] = bias[o] + sum_{i,ky,kx} weight[o][i][ky][kx]
 *                  * in[i][y*stride - pad + ky][x*stride - pad + kx]
 * then max (0, .) when @relu.  @out must be sized already. */
void       ref_conv             (const RefTensor  *in,
                                 const float      *weight,
                                 const float      *bias,
                                 guint             kernel,
                                 guint             stride,
                                 guint             pad,
                                 gboolean          relu,
                                 RefTensor        *out);

/* Max or average over kernel x kernel windows; windows are clipped to the
 * input (padding and the ceil-mode overhang never win a max and are not
 * counted in an average).  @out must be sized already. */
void       ref_pool             (const RefTensor  *in,
                                 gboolean          average,
                                 guint             kernel,
                                 guint             stride,
                                 guint             pad,
                                 RefTensor        *out);

/* Runs layers [0, n_layers) on @input; returns the output of every layer
 * (n_layers tensors), freed with ref_net_outputs_free. */
RefTensor *ref_net_forward      (const NsNet      *net,
                                 const NsWeights  *weights,
                                 const RefTensor  *input,
                                 guint             n_layers);
void       ref_net_outputs_free (RefTensor        *outputs,
                                 guint             n_layers);

G_END_DECLS
