/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Buffer checks and dispatch recording shared by the ops. */
#include "ns-op.h"

#include <string.h>

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

/* Shaders with a variant that reaches its bindings through their device
 * addresses (shaders/addresses.glsl), taken where the device has them: on
 * llvmpipe such accesses skip a bounds test per lane, which pays in the
 * shaders that move the most data per arithmetic (BENCHMARKS.md; the ReLU
 * mask and col2im gained nothing measurable). */
static const struct
{
  NsShaderId plain;
  NsShaderId addressed;
} address_variants[] = {
  { NS_SHADER_gemm,        NS_SHADER_gemm_addresses },
  { NS_SHADER_wino_input,  NS_SHADER_wino_input_addresses },
  { NS_SHADER_wino_output, NS_SHADER_wino_output_addresses },
};

/* Push constants with the bindings' addresses appended, as
 * shaders/addresses.glsl lays them out. */
typedef struct
{
  guint8 bytes[128];   /* Vulkan guarantees 128 bytes of push constants */
  guint  size;
} AddressedPush;

/* Turns @shader, @push and @push_size into its addressed variant's where
 * the device has buffer addresses and the shader such a variant; FALSE
 * when the push constants would not fit. */
static gboolean
address_variant (NsKernels      *kernels,
                 NsShaderId     *shader,
                 NsVkBuffer    **buffers,
                 guint           n_buffers,
                 const void    **push,
                 guint          *push_size,
                 AddressedPush  *addressed,
                 GError        **error)
{
  guint offset = (*push_size + 7) & ~7u;

  if (!ns_vk_context_has_addresses (kernels->ctx))
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (address_variants); i++)
    {
      if (address_variants[i].plain != *shader)
        continue;
      if (offset + n_buffers * sizeof (guint64) > sizeof addressed->bytes)
        {
          g_set_error (error, NS_ERROR, NS_ERROR_UNSUPPORTED,
                       "Shader %s: %u bytes of push constants and %u "
                       "addresses do not fit in 128 bytes",
                       ns_vk_shader_name (*shader), *push_size, n_buffers);
          return FALSE;
        }
      memset (addressed->bytes, 0, offset);
      memcpy (addressed->bytes, *push, *push_size);
      for (guint b = 0; b < n_buffers; b++)
        memcpy (addressed->bytes + offset + b * sizeof (guint64),
                &buffers[b]->address, sizeof (guint64));
      addressed->size = offset + n_buffers * sizeof (guint64);
      *shader = address_variants[i].addressed;
      *push = addressed->bytes;
      *push_size = addressed->size;
      return TRUE;
    }

  return TRUE;
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
  AddressedPush       addressed;

  if (!address_variant (kernels, &shader, buffers, n_buffers, &push,
                        &push_size, &addressed, error))
    return FALSE;
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
  AddressedPush       addressed;
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

  if (!address_variant (kernels, &shader, buffers, n_buffers, &push,
                        &push_size, &addressed, error))
    return FALSE;
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
