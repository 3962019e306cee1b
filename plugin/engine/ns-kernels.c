/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The compute pipelines of one device, created on first use. */
#include "ns-kernels.h"

#include <string.h>

void
ns_kernels_init (NsKernels   *kernels,
                 NsVkContext *ctx)
{
  memset (kernels, 0, sizeof *kernels);
  kernels->ctx = ctx;
}

void
ns_kernels_free (NsKernels *kernels)
{
  for (guint i = 0; i < NS_N_SHADERS; i++)
    if (kernels->ready[i])
      ns_vk_pipeline_free (kernels->ctx, &kernels->pipelines[i]);
  memset (kernels, 0, sizeof *kernels);
}

const NsVkPipeline *
ns_kernels_get (NsKernels      *kernels,
                NsShaderId      shader,
                guint           n_buffers,
                guint           push_size,
                const guint32  *local_size,
                GError        **error)
{
  NsVkPipeline *pipeline = &kernels->pipelines[shader];

  if (kernels->ready[shader])
    {
      if (pipeline->n_buffers != n_buffers || pipeline->push_size != push_size)
        {
          g_set_error (error, NS_ERROR, NS_ERROR_FAILED,
                       "Shader %s asked for with two different layouts",
                       ns_vk_shader_name (shader));
          return NULL;
        }
      return pipeline;
    }

  if (!ns_vk_pipeline_init (kernels->ctx, pipeline, shader, n_buffers,
                            push_size, local_size, error))
    return NULL;
  kernels->ready[shader] = TRUE;

  return pipeline;
}
