/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Convolution forward and backward to the input. */
#include "ns-op-conv.h"

#include <string.h>

/* Output channels per invocation of shaders/conv2d.comp. */
#define CONV_OUTS 4

/* Mirrors the push constants of shaders/conv2d.comp; the backward shader
 * adds `accumulate`. */
typedef struct
{
  guint32 in_c, in_h, in_w;
  guint32 out_c, out_h, out_w;
  guint32 kernel, stride, pad;
  guint32 relu;
  guint32 out_c_offset, out_c_total;
} NsConvPush;

typedef struct
{
  NsConvPush conv;
  guint32    accumulate;
} NsConvBackwardPush;

_Static_assert (sizeof (NsConvPush) == 48, "matches shaders/conv2d.comp");
_Static_assert (sizeof (NsConvBackwardPush) == 52,
                "matches shaders/conv2d_backward.comp");

static const guint32 conv_local_size[3] = { 64, 1, 1 };

gboolean
ns_op_conv2d_shape_finish (NsConvShape *shape)
{
  if (shape->stride == 0 || shape->kernel == 0 ||
      shape->in_h + 2 * shape->pad < shape->kernel ||
      shape->in_w + 2 * shape->pad < shape->kernel)
    return FALSE;
  shape->out_h = (shape->in_h + 2 * shape->pad - shape->kernel) / shape->stride + 1;
  shape->out_w = (shape->in_w + 2 * shape->pad - shape->kernel) / shape->stride + 1;
  if (shape->out_c_total == 0)
    shape->out_c_total = shape->out_c;

  return TRUE;
}

gsize
ns_op_conv2d_weights_size (const NsConvShape *shape)
{
  return (gsize) shape->out_c * shape->in_c * shape->kernel * shape->kernel;
}

void
ns_op_conv2d_pack_weights (const NsConvShape *shape,
                           const float       *weights,
                           float             *packed)
{
  memcpy (packed, weights, ns_op_conv2d_weights_size (shape) * sizeof (float));
}

void
ns_op_conv2d_pack_weights_backward (const NsConvShape *shape,
                                    const float       *weights,
                                    float             *packed)
{
  memcpy (packed, weights, ns_op_conv2d_weights_size (shape) * sizeof (float));
}

static gboolean
shape_check (const NsConvShape *shape,
             GError           **error)
{
  NsConvShape check = *shape;

  if (!ns_op_conv2d_shape_finish (&check) || check.out_h != shape->out_h ||
      check.out_w != shape->out_w || shape->in_c == 0 || shape->out_c == 0 ||
      shape->out_c_offset + shape->out_c > shape->out_c_total)
    {
      g_set_error (error, NS_ERROR, NS_ERROR_BAD_INPUT,
                   "conv2d: input %ux%ux%u, output %ux%ux%u (channels %u.. "
                   "of %u), kernel %u, stride %u, pad %u do not agree",
                   shape->in_c, shape->in_h, shape->in_w, shape->out_c,
                   shape->out_h, shape->out_w, shape->out_c_offset,
                   shape->out_c_total, shape->kernel, shape->stride,
                   shape->pad);
      return FALSE;
    }

  return TRUE;
}

static void
push_fill (const NsConvShape *shape,
           NsConvPush        *push)
{
  *push = (NsConvPush) {
    .in_c = shape->in_c, .in_h = shape->in_h, .in_w = shape->in_w,
    .out_c = shape->out_c, .out_h = shape->out_h, .out_w = shape->out_w,
    .kernel = shape->kernel, .stride = shape->stride, .pad = shape->pad,
    .relu = shape->relu ? 1 : 0,
    .out_c_offset = shape->out_c_offset, .out_c_total = shape->out_c_total,
  };
}

gboolean
ns_op_conv2d_record (NsKernels         *kernels,
                     NsVkCommands      *commands,
                     const NsConvShape *shape,
                     NsVkBuffer        *in,
                     NsVkBuffer        *weights,
                     NsVkBuffer        *bias,
                     NsVkBuffer        *out,
                     GError           **error)
{
  NsVkBuffer *buffers[] = { in, weights, bias, out };
  guint64     plane_out = (guint64) shape->out_h * shape->out_w;
  NsConvPush  push;
  guint32     groups[3];

  if (!shape_check (shape, error) ||
      !ns_op_check_buffer (in, (guint64) shape->in_c * shape->in_h * shape->in_w,
                           "conv2d", "in", error) ||
      !ns_op_check_buffer (weights, ns_op_conv2d_weights_size (shape),
                           "conv2d", "weights", error) ||
      !ns_op_check_buffer (bias, shape->out_c, "conv2d", "bias", error) ||
      !ns_op_check_buffer (out, shape->out_c_total * plane_out, "conv2d",
                           "out", error))
    return FALSE;

  push_fill (shape, &push);
  groups[0] = ns_kernels_groups (plane_out, conv_local_size[0]);
  groups[1] = ns_kernels_groups (shape->out_c, CONV_OUTS);
  groups[2] = 1;

  return ns_op_dispatch (kernels, commands, NS_SHADER_conv2d, buffers, 4,
                         &push, sizeof push, conv_local_size, groups, error);
}

gboolean
ns_op_conv2d_backward_record (NsKernels         *kernels,
                              NsVkCommands      *commands,
                              const NsConvShape *shape,
                              NsVkBuffer        *grad_out,
                              NsVkBuffer        *out,
                              NsVkBuffer        *weights_backward,
                              NsVkBuffer        *grad_in,
                              gboolean           accumulate,
                              GError           **error)
{
  NsVkBuffer        *buffers[] = { grad_out, out, weights_backward, grad_in };
  guint64            plane_in = (guint64) shape->in_h * shape->in_w;
  guint64            out_size = (guint64) shape->out_c_total * shape->out_h *
                                shape->out_w;
  NsConvBackwardPush push;
  guint32            groups[3];

  if (!shape_check (shape, error) ||
      !ns_op_check_buffer (grad_out, out_size, "conv2d_backward", "grad_out",
                           error) ||
      !ns_op_check_buffer (out, out_size, "conv2d_backward", "out", error) ||
      !ns_op_check_buffer (weights_backward, ns_op_conv2d_weights_size (shape),
                           "conv2d_backward", "weights", error) ||
      !ns_op_check_buffer (grad_in, shape->in_c * plane_in, "conv2d_backward",
                           "grad_in", error))
    return FALSE;

  push_fill (shape, &push.conv);
  push.accumulate = accumulate ? 1 : 0;
  groups[0] = ns_kernels_groups (plane_in, conv_local_size[0]);
  groups[1] = shape->in_c;
  groups[2] = 1;

  return ns_op_dispatch (kernels, commands, NS_SHADER_conv2d_backward,
                         buffers, 4, &push, sizeof push, conv_local_size,
                         groups, error);
}
