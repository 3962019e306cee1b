/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Pooling: argument checks and dispatches of the four pooling kernels. */
#include "ns-op-pool.h"

/* Mirrors the push constants of shaders/pool.glsl. */
typedef struct
{
  guint32 channels;
  guint32 in_h, in_w;
  guint32 out_h, out_w;
  guint32 kernel, stride, pad;
  guint32 accumulate;
} NsPoolPush;

_Static_assert (sizeof (NsPoolPush) == 36, "matches shaders/pool.glsl");

/* Mirrors BLOCK in shaders/pool_max_backward.comp: each invocation owns a
 * square of this many input pixels a side. */
#define NS_POOL_BACKWARD_BLOCK 4

guint
ns_op_pool_out_size (guint    n,
                     guint    kernel,
                     guint    stride,
                     guint    pad,
                     gboolean ceil_mode)
{
  guint span = n + 2 * pad, out;

  if (stride == 0 || kernel == 0 || span < kernel)
    return 0;

  if (!ceil_mode)
    return (span - kernel) / stride + 1;

  out = (span - kernel + stride - 1) / stride + 1;
  if ((out - 1) * stride >= n + pad)
    out--;

  return out;
}

/* Every window must hold at least one image pixel: the kernels read the
 * first one without a check. */
static gboolean
pool_shape_check (const NsPoolShape  *shape,
                  const char         *op,
                  GError            **error)
{
  const NsPoolShape *s = shape;

  if (s->channels == 0 || s->in_h == 0 || s->in_w == 0 || s->out_h == 0 ||
      s->out_w == 0 || s->stride == 0 || s->pad >= s->kernel ||
      (guint64) (s->out_h - 1) * s->stride >= (guint64) s->in_h + s->pad ||
      (guint64) (s->out_w - 1) * s->stride >= (guint64) s->in_w + s->pad)
    {
      g_set_error (error, NS_ERROR, NS_ERROR_BAD_INPUT,
                   "%s: unusable shape C=%u in=%ux%u out=%ux%u kernel=%u "
                   "stride=%u pad=%u", op, s->channels, s->in_w, s->in_h,
                   s->out_w, s->out_h, s->kernel, s->stride, s->pad);
      return FALSE;
    }

  return TRUE;
}

/* Checks and records one pooling kernel.  @buffers hold, in binding order,
 * tensors of the input shape where @is_input says so, else of the output
 * shape; the grid covers the outputs (forward) or the inputs (backward),
 * in squares of @block pixels a side. */
static gboolean
pool_record (NsKernels          *kernels,
             NsVkCommands       *commands,
             NsShaderId          shader,
             const NsPoolShape  *shape,
             NsVkBuffer        **buffers,
             const gboolean     *is_input,
             guint               n_buffers,
             gboolean            backward,
             guint               block,
             gboolean            accumulate,
             GError            **error)
{
  const char *op = ns_vk_shader_name (shader);
  guint64 n_in = (guint64) shape->channels * shape->in_h * shape->in_w;
  guint64 n_out = (guint64) shape->channels * shape->out_h * shape->out_w;
  NsPoolPush push = {
    .channels = shape->channels,
    .in_h = shape->in_h, .in_w = shape->in_w,
    .out_h = shape->out_h, .out_w = shape->out_w,
    .kernel = shape->kernel, .stride = shape->stride, .pad = shape->pad,
    .accumulate = accumulate ? 1 : 0,
  };
  static const char *names[] = { "binding 0", "binding 1", "binding 2" };

  if (!pool_shape_check (shape, op, error))
    return FALSE;
  for (guint i = 0; i < n_buffers; i++)
    if (!ns_op_check_buffer (buffers[i], is_input[i] ? n_in : n_out, op,
                             names[i], error))
      return FALSE;

  return ns_op_dispatch_linear (kernels, commands, shader, buffers,
                                n_buffers, &push, sizeof push,
                                backward ?
                                (guint64) shape->channels *
                                ((shape->in_h + block - 1) / block) *
                                ((shape->in_w + block - 1) / block) :
                                n_out, error);
}

gboolean
ns_op_pool_max_record (NsKernels          *kernels,
                       NsVkCommands       *commands,
                       const NsPoolShape  *shape,
                       NsVkBuffer         *in,
                       NsVkBuffer         *out,
                       NsVkBuffer         *where,
                       GError            **error)
{
  NsVkBuffer    *buffers[] = { in, out, where };
  const gboolean is_input[] = { TRUE, FALSE, FALSE };

  return pool_record (kernels, commands, NS_SHADER_pool_max, shape, buffers,
                      is_input, 3, FALSE, 1, FALSE, error);
}

gboolean
ns_op_pool_avg_record (NsKernels          *kernels,
                       NsVkCommands       *commands,
                       const NsPoolShape  *shape,
                       NsVkBuffer         *in,
                       NsVkBuffer         *out,
                       GError            **error)
{
  NsVkBuffer    *buffers[] = { in, out };
  const gboolean is_input[] = { TRUE, FALSE };

  return pool_record (kernels, commands, NS_SHADER_pool_avg, shape, buffers,
                      is_input, 2, FALSE, 1, FALSE, error);
}

gboolean
ns_op_pool_max_backward_record (NsKernels          *kernels,
                                NsVkCommands       *commands,
                                const NsPoolShape  *shape,
                                NsVkBuffer         *where,
                                NsVkBuffer         *grad_out,
                                NsVkBuffer         *grad_in,
                                gboolean            accumulate,
                                GError            **error)
{
  NsVkBuffer    *buffers[] = { where, grad_out, grad_in };
  const gboolean is_input[] = { FALSE, FALSE, TRUE };

  return pool_record (kernels, commands, NS_SHADER_pool_max_backward, shape,
                      buffers, is_input, 3, TRUE, NS_POOL_BACKWARD_BLOCK,
                      accumulate, error);
}

gboolean
ns_op_pool_avg_backward_record (NsKernels          *kernels,
                                NsVkCommands       *commands,
                                const NsPoolShape  *shape,
                                NsVkBuffer         *grad_out,
                                NsVkBuffer         *grad_in,
                                gboolean            accumulate,
                                GError            **error)
{
  NsVkBuffer    *buffers[] = { grad_out, grad_in };
  const gboolean is_input[] = { FALSE, TRUE };

  return pool_record (kernels, commands, NS_SHADER_pool_avg_backward, shape,
                      buffers, is_input, 2, TRUE, 1, accumulate, error);
}
