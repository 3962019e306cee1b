/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Channel copies: checks and the dispatch of copy_channels.comp. */
#include "ns-op-concat.h"

/* Mirrors the push constants of shaders/copy_channels.comp. */
typedef struct
{
  guint32 plane;        /* pixels per channel */
  guint32 n_channels;
  guint32 src_offset;   /* channels */
  guint32 dst_offset;
  guint32 accumulate;
} NsCopyChannelsPush;

_Static_assert (sizeof (NsCopyChannelsPush) == 20,
                "matches shaders/copy_channels.comp");

gboolean
ns_op_copy_channels_record (NsKernels     *kernels,
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
                            GError       **error)
{
  guint64            plane = (guint64) h * w;
  NsVkBuffer        *buffers[] = { src, dst };
  NsCopyChannelsPush push = {
    .plane = h * w,
    .n_channels = n_channels,
    .src_offset = src_offset,
    .dst_offset = dst_offset,
    .accumulate = accumulate ? 1 : 0,
  };

  if (src == dst || (guint64) src_offset + n_channels > src_channels ||
      (guint64) dst_offset + n_channels > dst_channels)
    {
      g_set_error (error, NS_ERROR, NS_ERROR_BAD_INPUT,
                   "copy_channels: channels %u..+%u of %u into %u..+%u of %u"
                   "%s", src_offset, n_channels, src_channels, dst_offset,
                   n_channels, dst_channels,
                   src == dst ? " of the same buffer" : "");
      return FALSE;
    }
  if (!ns_op_check_buffer (src, src_channels * plane, "copy_channels", "src",
                           error) ||
      !ns_op_check_buffer (dst, dst_channels * plane, "copy_channels", "dst",
                           error))
    return FALSE;

  return ns_op_dispatch_linear (kernels, commands, NS_SHADER_copy_channels,
                                buffers, 2, &push, sizeof push,
                                n_channels * plane, error);
}
