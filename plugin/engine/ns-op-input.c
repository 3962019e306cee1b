/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Network input convention: checks and the dispatches of to_net.comp and
 * to_net_backward.comp. */
#include "ns-op-input.h"

#include <stddef.h>

/* Mirrors the push constants of shaders/to_net.comp (std430: float arrays
 * have a stride of 4 bytes, so nothing is padded). */
typedef struct
{
  float   range;
  float   mean[3];      /* network channel order */
  float   std[3];
  guint32 bgr;
  guint32 h, w;
  guint32 accumulate;   /* backward only */
} NsToNetPush;

_Static_assert (sizeof (NsToNetPush) == 44, "matches shaders/to_net.comp");
_Static_assert (offsetof (NsToNetPush, std) == 16,
                "matches shaders/to_net.comp");
_Static_assert (offsetof (NsToNetPush, bgr) == 28,
                "matches shaders/to_net.comp");

static gboolean
to_net_record (NsKernels     *kernels,
               NsVkCommands  *commands,
               NsShaderId     shader,
               const NsNet   *net,
               guint          h,
               guint          w,
               NsVkBuffer    *src,
               NsVkBuffer    *dst,
               gboolean       accumulate,
               GError       **error)
{
  const char  *op = ns_vk_shader_name (shader);
  guint64      n = 3 * (guint64) h * w;
  NsVkBuffer  *buffers[] = { src, dst };
  NsToNetPush  push = {
    .range = net->range,
    .bgr = net->bgr ? 1 : 0,
    .h = h, .w = w,
    .accumulate = accumulate ? 1 : 0,
  };

  for (guint c = 0; c < 3; c++)
    {
      push.mean[c] = net->mean[c];
      push.std[c] = net->std[c];
      if (!(net->std[c] != 0.0f))
        {
          g_set_error (error, NS_ERROR, NS_ERROR_BAD_INPUT,
                       "%s: network %s has std %g in channel %u", op,
                       net->name, net->std[c], c);
          return FALSE;
        }
    }
  if (!ns_op_check_buffer (src, n, op, "src", error) ||
      !ns_op_check_buffer (dst, n, op, "dst", error))
    return FALSE;

  return ns_op_dispatch_linear (kernels, commands, shader, buffers, 2, &push,
                                sizeof push, n, error);
}

gboolean
ns_op_to_net_record (NsKernels     *kernels,
                     NsVkCommands  *commands,
                     const NsNet   *net,
                     guint          h,
                     guint          w,
                     NsVkBuffer    *image,
                     NsVkBuffer    *input,
                     GError       **error)
{
  return to_net_record (kernels, commands, NS_SHADER_to_net, net, h, w,
                        image, input, FALSE, error);
}

gboolean
ns_op_to_net_backward_record (NsKernels     *kernels,
                              NsVkCommands  *commands,
                              const NsNet   *net,
                              guint          h,
                              guint          w,
                              NsVkBuffer    *grad_input,
                              NsVkBuffer    *grad_image,
                              gboolean       accumulate,
                              GError       **error)
{
  return to_net_record (kernels, commands, NS_SHADER_to_net_backward, net,
                        h, w, grad_input, grad_image, accumulate, error);
}
