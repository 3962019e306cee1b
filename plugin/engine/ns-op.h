/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What every op's record function shares: argument checks on buffer sizes,
 * and recording one dispatch of a kernel from the pipeline cache. */
#pragma once

#include "ns-kernels.h"

G_BEGIN_DECLS

/* The largest number of workgroups the host puts along x; Vulkan
 * guarantees 65535.  Longer 1-D problems go over several rows (y). */
#define NS_OP_MAX_GROUPS_X 65535

/* Fails with NS_ERROR_BAD_INPUT when @buffer holds fewer than @n_floats
 * float32 values; @op and @name go into the message. */
gboolean ns_op_check_buffer    (const NsVkBuffer  *buffer,
                                guint64            n_floats,
                                const char        *op,
                                const char        *name,
                                GError           **error);

/* Records @shader over @n_groups workgroups of @local_size invocations
 * (NULL: the 1-D default); @buffers are bindings 0..n_buffers-1.  Where
 * the device has buffer addresses and @shader a *_addresses variant, that
 * variant runs instead, the bindings' addresses appended to @push
 * (shaders/addresses.glsl); so does ns_op_dispatch_linear. */
gboolean ns_op_dispatch        (NsKernels         *kernels,
                                NsVkCommands      *commands,
                                NsShaderId         shader,
                                NsVkBuffer       **buffers,
                                guint              n_buffers,
                                const void        *push,
                                guint              push_size,
                                const guint32     *local_size,
                                const guint32     *n_groups,
                                GError           **error);

/* Records @shader over @n items, one invocation each, with the 1-D default
 * workgroup; the shader reads its item with ns_linear_index ()
 * (shaders/common.glsl).  @n up to 2^32 - 1; 0 records nothing. */
gboolean ns_op_dispatch_linear (NsKernels         *kernels,
                                NsVkCommands      *commands,
                                NsShaderId         shader,
                                NsVkBuffer       **buffers,
                                guint              n_buffers,
                                const void        *push,
                                guint              push_size,
                                guint64            n,
                                GError           **error);

G_END_DECLS
