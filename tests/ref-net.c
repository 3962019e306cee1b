/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Plain C reference of a feature network, driven by its NsNet table. */
#include "ref-net.h"

#include <float.h>
#include <string.h>

void
ref_tensor_init (RefTensor *tensor,
                 guint      channels,
                 guint      height,
                 guint      width)
{
  tensor->channels = channels;
  tensor->height = height;
  tensor->width = width;
  tensor->data = g_new0 (float, MAX ((gsize) channels * height * width, 1));
}

void
ref_tensor_clear (RefTensor *tensor)
{
  g_clear_pointer (&tensor->data, g_free);
}

void
ref_net_input (const NsNet *net,
               const float *rgb,
               guint        height,
               guint        width,
               RefTensor   *input)
{
  gsize plane = (gsize) height * width;

  ref_tensor_init (input, 3, height, width);
  for (guint c = 0; c < 3; c++)
    {
      const float *src = rgb + (net->bgr ? 2 - c : c) * plane;
      float       *dst = input->data + c * plane;

      for (gsize i = 0; i < plane; i++)
        dst[i] = (src[i] * net->range - net->mean[c]) / net->std[c];
    }
}

/* The outputs x for which x * stride - pad + k lies in [0, n): [*lo, *hi). */
static void
valid_range (guint  n,
             guint  n_out,
             guint  k,
             guint  stride,
             guint  pad,
             guint *lo,
             guint *hi)
{
  int first = (int) pad - (int) k;   /* need x * stride >= pad - k */
  int last = (int) n - 1 + (int) pad - (int) k;

  *lo = first <= 0 ? 0 : (guint) ((first + (int) stride - 1) / (int) stride);
  *hi = last < 0 ? 0 : MIN (n_out, (guint) (last / (int) stride) + 1);
  *hi = MAX (*hi, *lo);
}

/* Adds weight * (input plane shifted by ky, kx) into the output plane. */
static void
accumulate_tap (const float *in,
                guint        in_h,
                guint        in_w,
                float        weight,
                guint        ky,
                guint        kx,
                guint        stride,
                guint        pad,
                float       *out,
                guint        out_h,
                guint        out_w)
{
  guint y0, y1, x0, x1;

  valid_range (in_h, out_h, ky, stride, pad, &y0, &y1);
  valid_range (in_w, out_w, kx, stride, pad, &x0, &x1);
  for (guint y = y0; y < y1; y++)
    {
      const float *row = in + (gsize) (y * stride - pad + ky) * in_w;
      float       *dst = out + (gsize) y * out_w;

      for (guint x = x0; x < x1; x++)
        dst[x] += weight * row[x * stride - pad + kx];
    }
}

void
ref_conv (const RefTensor *in,
          const float     *weight,
          const float     *bias,
          guint            kernel,
          guint            stride,
          guint            pad,
          gboolean         relu,
          RefTensor       *out)
{
  gsize in_plane = (gsize) in->height * in->width;
  gsize out_plane = (gsize) out->height * out->width;

  for (guint o = 0; o < out->channels; o++)
    {
      float *dst = out->data + o * out_plane;

      for (gsize p = 0; p < out_plane; p++)
        dst[p] = bias[o];
      for (guint i = 0; i < in->channels; i++)
        for (guint ky = 0; ky < kernel; ky++)
          for (guint kx = 0; kx < kernel; kx++)
            {
              float w = weight[(((gsize) o * in->channels + i) * kernel + ky)
                               * kernel + kx];

              if (w != 0.0f)
                accumulate_tap (in->data + i * in_plane, in->height,
                                in->width, w, ky, kx, stride, pad, dst,
                                out->height, out->width);
            }
      if (relu)
        for (gsize p = 0; p < out_plane; p++)
          dst[p] = MAX (dst[p], 0.0f);
    }
}

/* One pooling window at output (x, y) of one plane. */
static float
pool_window (const float *plane,
             guint        h,
             guint        w,
             gboolean     average,
             guint        kernel,
             guint        stride,
             guint        pad,
             guint        y,
             guint        x)
{
  int   y0 = (int) (y * stride) - (int) pad;
  int   x0 = (int) (x * stride) - (int) pad;
  int   y1 = MIN (y0 + (int) kernel, (int) h);
  int   x1 = MIN (x0 + (int) kernel, (int) w);
  float best = -FLT_MAX, sum = 0.0f;
  guint count = 0;

  for (int yy = MAX (y0, 0); yy < y1; yy++)
    for (int xx = MAX (x0, 0); xx < x1; xx++)
      {
        float v = plane[(gsize) yy * w + xx];

        best = MAX (best, v);
        sum += v;
        count++;
      }

  if (count == 0)
    return 0.0f;

  return average ? sum / count : best;
}

void
ref_pool (const RefTensor *in,
          gboolean         average,
          guint            kernel,
          guint            stride,
          guint            pad,
          RefTensor       *out)
{
  for (guint c = 0; c < out->channels; c++)
    {
      const float *plane = in->data + (gsize) c * in->height * in->width;
      float       *dst = out->data + (gsize) c * out->height * out->width;

      for (guint y = 0; y < out->height; y++)
        for (guint x = 0; x < out->width; x++)
          dst[(gsize) y * out->width + x] =
            pool_window (plane, in->height, in->width, average, kernel,
                         stride, pad, y, x);
    }
}

/* Runs layer @index; @height x @width is the size of the network input,
 * from which the table gives the output size. */
static void
run_layer (const NsNet     *net,
           const NsWeights *weights,
           guint            index,
           guint            height,
           guint            width,
           const RefTensor *in0,
           const RefTensor *in1,
           RefTensor       *out)
{
  const NsLayer *layer = &net->layers[index];
  gsize          n0 = (gsize) in0->channels * in0->height * in0->width;

  if (layer->kind == NS_LAYER_CONCAT)
    {
      ref_tensor_init (out, in0->channels + in1->channels, in0->height,
                       in0->width);
      memcpy (out->data, in0->data, n0 * sizeof (float));
      memcpy (out->data + n0, in1->data,
              (gsize) in1->channels * in1->height * in1->width *
              sizeof (float));
      return;
    }

  ref_tensor_init (out, ns_net_layer_channels (net, (int) index),
                   ns_net_layer_out_size (net, (int) index, height),
                   ns_net_layer_out_size (net, (int) index, width));
  if (layer->kind == NS_LAYER_CONV)
    ref_conv (in0, weights->convs[index].weight, weights->convs[index].bias,
              layer->kernel, layer->stride, layer->pad, layer->relu, out);
  else
    ref_pool (in0, layer->kind == NS_LAYER_POOL_AVG, layer->kernel,
              layer->stride, layer->pad, out);
}

RefTensor *
ref_net_forward (const NsNet     *net,
                 const NsWeights *weights,
                 const RefTensor *input,
                 guint            n_layers)
{
  RefTensor *outputs = g_new0 (RefTensor, MAX (n_layers, 1));

  for (guint i = 0; i < n_layers; i++)
    {
      const NsLayer *layer = &net->layers[i];
      const RefTensor *in0 = layer->inputs[0] < 0 ? input
                             : &outputs[layer->inputs[0]];
      const RefTensor *in1 = layer->inputs[1] < 0 ? NULL
                             : &outputs[layer->inputs[1]];

      run_layer (net, weights, i, input->height, input->width, in0, in1,
                 &outputs[i]);
    }

  return outputs;
}

void
ref_net_outputs_free (RefTensor *outputs,
                      guint      n_layers)
{
  for (guint i = 0; i < n_layers; i++)
    ref_tensor_clear (&outputs[i]);
  g_free (outputs);
}
