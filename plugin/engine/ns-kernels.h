/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The compute pipelines of one device, created on first use and kept until
 * the context goes; each op's host code asks for its shader here. */
#pragma once

#include "ns-vk.h"

G_BEGIN_DECLS

typedef struct
{
  NsVkContext  *ctx;
  NsVkPipeline  pipelines[NS_N_SHADERS];
  gboolean      ready[NS_N_SHADERS];
} NsKernels;

void                ns_kernels_init (NsKernels      *kernels,
                                     NsVkContext    *ctx);
void                ns_kernels_free (NsKernels      *kernels);

/* The pipeline of @shader, created on the first call with @n_buffers
 * storage buffers, @push_size bytes of push constants and @local_size
 * (NULL for the 1-D default); later calls must ask for the same. */
const NsVkPipeline *ns_kernels_get  (NsKernels      *kernels,
                                     NsShaderId      shader,
                                     guint           n_buffers,
                                     guint           push_size,
                                     const guint32  *local_size,
                                     GError        **error);

/* Workgroups needed to cover @n items with groups of @local items. */
static inline guint32
ns_kernels_groups (guint64 n,
                   guint32 local)
{
  return (guint32) ((n + local - 1) / local);
}

G_END_DECLS
