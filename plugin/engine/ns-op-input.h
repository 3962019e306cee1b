/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The engine's image (planar RGB [3][H][W], values in 0..1) turned into a
 * network's input convention (NsNet: channel order, range, mean, std), and
 * the gradient back. */
#pragma once

#include "ns-net.h"
#include "ns-op.h"

G_BEGIN_DECLS

/* input[c] = (image[rgb] * range - mean[c]) / std[c] for the network's
 * channel c (BGR order when net->bgr), rgb being the matching channel. */
gboolean ns_op_to_net_record          (NsKernels     *kernels,
                                       NsVkCommands  *commands,
                                       const NsNet   *net,
                                       guint          h,
                                       guint          w,
                                       NsVkBuffer    *image,
                                       NsVkBuffer    *input,
                                       GError       **error);

/* grad_image[rgb] = (or += when @accumulate) grad_input[c] * range / std[c]. */
gboolean ns_op_to_net_backward_record (NsKernels     *kernels,
                                       NsVkCommands  *commands,
                                       const NsNet   *net,
                                       guint          h,
                                       guint          w,
                                       NsVkBuffer    *grad_input,
                                       NsVkBuffer    *grad_image,
                                       gboolean       accumulate,
                                       GError       **error);

G_END_DECLS
