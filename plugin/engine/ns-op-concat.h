/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Channel copies between planar [C][H][W] tensors of the same H and W: the
 * concatenation of layer outputs and, accumulating, its gradient split. */
#pragma once

#include "ns-op.h"

G_BEGIN_DECLS

/* dst[dst_offset + c] = (or += when @accumulate) src[src_offset + c] for
 * c < @n_channels; @src has @src_channels channels of @h x @w pixels,
 * @dst @dst_channels.  @src and @dst must be different buffers. */
gboolean ns_op_copy_channels_record (NsKernels     *kernels,
                                     NsVkCommands  *commands,
                                     guint          h,
                                     guint          w,
                                     NsVkBuffer    *src,
                                     guint          src_channels,
                                     guint          src_offset,
                                     NsVkBuffer    *dst,
                                     guint          dst_channels,
                                     guint          dst_offset,
                                     guint          n_channels,
                                     gboolean       accumulate,
                                     GError       **error);

G_END_DECLS
