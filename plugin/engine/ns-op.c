/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Buffer checks and dispatch recording shared by the ops. */
#include "ns-op.h"

gboolean
ns_op_check_buffer (const NsVkBuffer  *buffer,
                    guint64            n_floats,
                    const char        *op,
                    const char        *name,
                    GError           **error)
{
  if (buffer->size / sizeof (float) >= n_floats)
    return TRUE;

  g_set_error (error, NS_ERROR, NS_ERROR_BAD_INPUT,
               "%s: buffer %s holds %" G_GUINT64_FORMAT " floats, needs %"
               G_GUINT64_FORMAT, op, name,
               (guint64) (buffer->size / sizeof (float)), n_floats);
  return FALSE;
}

gboolean
ns_op_dispatch (NsKernels      *kernels,
                NsVkCommands   *commands,
                NsShaderId      shader,
                NsVkBuffer    **buffers,
                guint           n_buffers,
                const void     *push,
                guint           push_size,
                const guint32  *local_size,
                const guint32  *n_groups,
                GError        **error)
{
  const NsVkPipeline *pipeline;

  pipeline = ns_kernels_get (kernels, shader, n_buffers, push_size,
                             local_size, error);
  if (pipeline == NULL)
    return FALSE;

  return ns_vk_commands_dispatch (kernels->ctx, commands, pipeline, buffers,
                                  push, n_groups, error);
}

gboolean
ns_op_dispatch_linear (NsKernels     *kernels,
                       NsVkCommands  *commands,
                       NsShaderId     shader,
                       NsVkBuffer   **buffers,
                       guint          n_buffers,
                       const void    *push,
                       guint          push_size,
                       guint64        n,
                       GError       **error)
{
  const NsVkPipeline *pipeline;
  guint64             total;
  guint32             groups[3];

  if (n == 0)
    return TRUE;
  if (n > G_MAXUINT32)
    {
      g_set_error (error, NS_ERROR, NS_ERROR_UNSUPPORTED,
                   "Shader %s asked for %" G_GUINT64_FORMAT " items; at most "
                   "2^32 - 1", ns_vk_shader_name (shader), n);
      return FALSE;
    }

  pipeline = ns_kernels_get (kernels, shader, n_buffers, push_size, NULL,
                             error);
  if (pipeline == NULL)
    return FALSE;

  /* Rows of up to NS_OP_MAX_GROUPS_X groups; the last row may overhang. */
  total = ns_kernels_groups (n, pipeline->local_size[0]);
  groups[0] = (guint32) MIN (total, NS_OP_MAX_GROUPS_X);
  groups[1] = ns_kernels_groups (total, groups[0]);
  groups[2] = 1;

  return ns_vk_commands_dispatch (kernels->ctx, commands, pipeline, buffers,
                                  push, groups, error);
}
