/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Convolution forward and backward to the input. */
#include "ns-op-conv.h"

#include "ns-op-gemm.h"

#include <string.h>

/* Mirror shaders/conv2d_direct_backward.comp: invocations per workgroup,
 * the block of output-grid columns and rows it covers, input channels per
 * workgroup, floats per packed tap. */
#define NS_CONV_BACK_INVOCATIONS 32
#define NS_CONV_BACK_W           32
#define NS_CONV_BACK_H           16
#define NS_CONV_BACK_C           3
#define NS_CONV_BACK_TAP         8

/* Mirror shaders/conv2d_direct.comp: invocations per workgroup, tile
 * width and height in output pixels, output channels per workgroup. */
#define NS_CONV_DIRECT_INVOCATIONS 32
#define NS_CONV_DIRECT_W           16
#define NS_CONV_DIRECT_H           (NS_CONV_DIRECT_INVOCATIONS / \
                                    NS_CONV_DIRECT_W * 8)
#define NS_CONV_DIRECT_C           16

/* Mirror shaders/conv_tile.glsl: invocations per workgroup, tile width
 * and height in pixels, output channels per workgroup. */
#define NS_CONV_TILE_INVOCATIONS 32
#define NS_CONV_TILE_W           16
#define NS_CONV_TILE_H           (NS_CONV_TILE_INVOCATIONS / NS_CONV_TILE_W * 8)
#define NS_CONV_TILE_C           16

/* Invocations per workgroup of wino_input.comp and wino_output.comp. */
#define NS_WINO_TRANSFORM_INVOCATIONS 64

/* Output pixels per tile side, input pixels per patch side (6 x 6
 * positions). */
#define NS_WINO_TILE      4
#define NS_WINO_SIDE      6
#define NS_WINO_POSITIONS (NS_WINO_SIDE * NS_WINO_SIDE)

/* A pass covers bands of tile rows such that each scratch buffer holds at
 * most this many floats (16 MiB), unless one row alone needs more: the
 * bands' work stays within the caches and the memory plan stays small. */
#define NS_WINO_SCRATCH_FLOATS (4u << 20)

/* Flags of NsWinoPush (shaders/winograd.glsl). */
enum
{
  NS_WINO_RELU       = 1,
  NS_WINO_ACCUMULATE = 2,
  NS_WINO_MASK       = 4,
  NS_WINO_BIAS       = 8,
};

/* Mirrors the push constants of shaders/winograd.glsl. */
typedef struct
{
  guint32 in_c, in_h, in_w, in_c_offset;
  guint32 out_c, out_h, out_w, out_c_offset;
  guint32 pad, flags, tiles_x, tile_y0;
  guint32 tiles, unused[3];
} NsWinoPush;

/* G of shaders/winograd.glsl: the kernel's transform, U = G g G^T. */
static const float wino_g[NS_WINO_SIDE][3] = {
  { 1.0f, 0.0f, 0.0f }, { 0.0f, 0.0f, 1.0f }, { 1.0f, 1.0f, 1.0f },
  { 1.0f, -1.0f, 1.0f }, { 0.5f, 1.0f, 2.0f }, { 2.0f, 1.0f, 0.5f },
};

/* Mirrors the push constants of shaders/relu_mask.comp. */
typedef struct
{
  guint32 plane, n_channels, offset;
} NsReluMaskPush;

/* Flags of NsConvTilePush. */
enum
{
  NS_CONV_RELU       = 1,
  NS_CONV_ACCUMULATE = 2,
  NS_CONV_MASK       = 4,
};

/* Mirrors the push constants of shaders/conv2d_direct.comp; the backward
 * shader adds `accumulate`. */
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

/* Mirrors the push constants of shaders/conv2d.comp and
 * conv2d_backward.comp: a stride-1 convolution reading channels
 * in_c_offset.. of its source and writing out_c_offset.. of its result. */
typedef struct
{
  guint32 in_c, in_h, in_w, in_c_offset;
  guint32 out_c, out_h, out_w, out_c_offset;
  guint32 kernel, pad, flags, unused;
} NsConvTilePush;

_Static_assert (sizeof (NsConvPush) == 48,
                "matches shaders/conv2d_direct.comp");
_Static_assert (sizeof (NsConvBackwardPush) == 52,
                "matches shaders/conv2d_direct_backward.comp");
_Static_assert (sizeof (NsConvTilePush) == 48,
                "matches shaders/conv2d.comp and conv2d_backward.comp");
_Static_assert (sizeof (NsWinoPush) == 64, "matches shaders/winograd.glsl");

static const guint32 conv_tile_local_size[3] = {
  NS_CONV_TILE_INVOCATIONS, 1, 1
};
static const guint32 conv_direct_local_size[3] = {
  NS_CONV_DIRECT_INVOCATIONS, 1, 1
};
static const guint32 conv_back_local_size[3] = {
  NS_CONV_BACK_INVOCATIONS, 1, 1
};
static const guint32 wino_transform_local_size[3] = {
  NS_WINO_TRANSFORM_INVOCATIONS, 1, 1
};


/* Whether the tiled shaders take the layer: stride 1, kernel <= 3, and a
 * pad that leaves the transposed convolution a pad of k - 1 - pad >= 0. */
static gboolean
conv_tiled (const NsConvShape *shape)
{
  return shape->stride == 1 && shape->kernel <= 3 &&
         shape->pad < shape->kernel;
}

gboolean
ns_op_conv2d_winograd (const NsConvShape *shape)
{
  return shape->algorithm == NS_CONV_AUTO && shape->kernel == 3 &&
         shape->stride == 1 && shape->pad <= 2;
}

/* A 1x1 layer as one matrix product over the pixels. */
static gboolean
conv_pointwise (const NsConvShape *shape)
{
  return shape->algorithm == NS_CONV_AUTO && shape->kernel == 1 &&
         shape->stride == 1 && shape->pad == 0;
}

/* Any other layer's backward pass as a matrix product and a gather
 * (col2im.comp), NS_CONV_AUTO only. */
static gboolean
conv_unfolded (const NsConvShape *shape)
{
  return shape->algorithm == NS_CONV_AUTO && !ns_op_conv2d_winograd (shape) &&
         !conv_pointwise (shape);
}

/* Output rows per band of the unfolded backward pass: the patch
 * gradients of a band, in_c k k floats per output pixel, fill at most
 * NS_WINO_SCRATCH_FLOATS (unless one row needs more), and a band has at
 * most NS_GEMM_MAX_COLUMNS pixels. */
static guint
unfolded_band_rows (const NsConvShape *shape)
{
  guint64 per_row = (guint64) shape->in_c * shape->kernel * shape->kernel *
                    MAX (shape->out_w, 1);
  guint   rows = NS_WINO_SCRATCH_FLOATS / MAX (per_row, 1);

  rows = MIN (rows, NS_GEMM_MAX_COLUMNS / MAX (shape->out_w, 1));
  if (shape->band_rows > 0)
    rows = shape->band_rows;
  return CLAMP (rows, 1, MAX (shape->out_h, 1));
}

gboolean
ns_op_conv2d_shares_weights (const NsConvShape *shape)
{
  return ns_op_conv2d_winograd (shape) || conv_pointwise (shape);
}

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

static guint
round_up (guint n,
          guint step)
{
  return (n + step - 1) / step * step;
}

/* One pass of the Winograd convolution, forward or backward, seen as a
 * convolution of k_c channels of H x W into m_c channels of out_h x out_w
 * with the given pad, and the band of tile rows it takes at a time. */
typedef struct
{
  guint k_c, m_c;
  guint out_h, out_w, pad;
  guint tiles_x, tiles_y;
  guint band_rows;
} WinoPass;

static void
wino_pass (const NsConvShape *shape,
           gboolean           backward,
           WinoPass          *pass)
{
  guint64 per_row;

  pass->k_c = backward ? shape->out_c : shape->in_c;
  pass->m_c = backward ? shape->in_c : shape->out_c;
  pass->out_h = backward ? shape->in_h : shape->out_h;
  pass->out_w = backward ? shape->in_w : shape->out_w;
  pass->pad = backward ? shape->kernel - 1 - shape->pad : shape->pad;
  pass->tiles_x = (pass->out_w + NS_WINO_TILE - 1) / NS_WINO_TILE;
  pass->tiles_y = (pass->out_h + NS_WINO_TILE - 1) / NS_WINO_TILE;
  per_row = (guint64) NS_WINO_POSITIONS * MAX (shape->in_c, shape->out_c) *
            pass->tiles_x;
  pass->band_rows = shape->band_rows > 0 ? shape->band_rows :
                    NS_WINO_SCRATCH_FLOATS / MAX (per_row, 1);
  pass->band_rows = CLAMP (pass->band_rows, 1, MAX (pass->tiles_y, 1));
}

/* Tiles of a band of @rows tile rows. */
static guint
wino_band_tiles (const WinoPass *pass,
                 guint           rows)
{
  return rows * pass->tiles_x;
}

static guint
wino_bands (const WinoPass *pass)
{
  return (pass->tiles_y + pass->band_rows - 1) / pass->band_rows;
}

/* Over the forward and the backward pass: the floats of each scratch
 * buffer and the bands. */
static void
wino_needs (const NsConvShape *shape,
            gsize             *floats,
            guint             *bands)
{
  *floats = 0;
  *bands = 0;
  for (int backward = 0; backward < 2; backward++)
    {
      WinoPass pass;

      wino_pass (shape, backward, &pass);
      *floats = MAX (*floats, (gsize) NS_WINO_POSITIONS *
                              MAX (shape->in_c, shape->out_c) *
                              wino_band_tiles (&pass, pass.band_rows));
      *bands = MAX (*bands, wino_bands (&pass));
    }
}

gsize
ns_op_conv2d_scratch_size (const NsConvShape *shape)
{
  gsize floats;
  guint bands;

  if (conv_unfolded (shape))
    return (gsize) shape->in_c * shape->kernel * shape->kernel *
           unfolded_band_rows (shape) * shape->out_w;
  if (!ns_op_conv2d_winograd (shape))
    return 0;
  wino_needs (shape, &floats, &bands);

  return floats;
}

guint
ns_op_conv2d_dispatches (const NsConvShape *shape)
{
  gsize floats;
  guint bands;

  if (conv_pointwise (shape))
    return 2;
  if (conv_unfolded (shape))
    return 1 + 2 * ns_kernels_groups (shape->out_h,
                                      unfolded_band_rows (shape));
  if (!ns_op_conv2d_winograd (shape))
    return 1;
  wino_needs (shape, &floats, &bands);

  return 3 * bands;
}

/* Taps per axis and phase of the direct backward: ceil (k / stride). */
static guint
direct_taps (const NsConvShape *shape)
{
  return (shape->kernel + shape->stride - 1) / shape->stride;
}

/* Floats of the direct backward's packed weights. */
static gsize
direct_backward_size (const NsConvShape *shape)
{
  gsize taps = direct_taps (shape);

  return (gsize) ns_kernels_groups (shape->in_c, NS_CONV_BACK_C) *
         shape->stride * shape->stride * shape->out_c * taps * taps *
         NS_CONV_BACK_TAP;
}

gsize
ns_op_conv2d_weights_size (const NsConvShape *shape)
{
  gsize k2 = (gsize) shape->kernel * shape->kernel;

  if (ns_op_conv2d_winograd (shape))
    return (gsize) NS_WINO_POSITIONS * shape->in_c * shape->out_c;
  if (conv_pointwise (shape))
    return (gsize) shape->in_c * shape->out_c;

  if (!conv_tiled (shape))
    return MAX (round_up (shape->out_c, NS_CONV_DIRECT_C) * shape->in_c * k2,
                direct_backward_size (shape));

  return MAX (round_up (shape->out_c, NS_CONV_TILE_C) * shape->in_c,
              round_up (shape->in_c, NS_CONV_TILE_C) * shape->out_c) * k2;
}

/* Packs w[a][b][ky][kx] ([n_a][n_b][k][k]) as
 * [ceil (n_a / 16)][n_b][k][k][16], zeros past n_a, with the taps flipped
 * when @flip; @transpose reads w as [n_b][n_a][k][k] instead. */
static void
pack_tiled (const float *w,
            guint        n_a,
            guint        n_b,
            guint        k,
            gboolean     transpose,
            gboolean     flip,
            float       *packed)
{
  guint k2 = k * k;
  gsize n = (gsize) round_up (n_a, NS_CONV_TILE_C) * n_b * k2;

  for (gsize i = 0; i < n; i++)
    {
      guint lane = i % NS_CONV_TILE_C;
      guint tap = i / NS_CONV_TILE_C % k2;
      guint b = i / NS_CONV_TILE_C / k2 % n_b;
      guint a = i / NS_CONV_TILE_C / k2 / n_b * NS_CONV_TILE_C + lane;
      guint from = flip ? k2 - 1 - tap : tap;

      if (a >= n_a)
        packed[i] = 0.0f;
      else
        packed[i] = transpose ? w[((gsize) b * n_a + a) * k2 + from] :
                                w[((gsize) a * n_b + b) * k2 + from];
    }
}

/* Packs w [Cout][Cin][3][3] as U [36][Cin][Cout]:
 * U[a 6 + b][ci][co] = (G g G^T)[a][b] for g = w[co][ci]. */
static void
pack_winograd (const NsConvShape *shape,
               const float       *w,
               float             *packed)
{
  guint cout = shape->out_c;
  gsize batch = (gsize) shape->in_c * cout;

  for (guint co = 0; co < shape->out_c; co++)
    for (guint ci = 0; ci < shape->in_c; ci++)
      {
        const float *g = w + ((gsize) co * shape->in_c + ci) * 9;
        float        gt[3][NS_WINO_SIDE];   /* g G^T */

        for (guint ky = 0; ky < 3; ky++)
          for (guint b = 0; b < NS_WINO_SIDE; b++)
            gt[ky][b] = g[ky * 3] * wino_g[b][0] + g[ky * 3 + 1] * wino_g[b][1] +
                        g[ky * 3 + 2] * wino_g[b][2];
        for (guint a = 0; a < NS_WINO_SIDE; a++)
          for (guint b = 0; b < NS_WINO_SIDE; b++)
            packed[(a * NS_WINO_SIDE + b) * batch + (gsize) ci * cout + co] =
              wino_g[a][0] * gt[0][b] + wino_g[a][1] * gt[1][b] +
              wino_g[a][2] * gt[2][b];
      }
}

void
ns_op_conv2d_pack_weights (const NsConvShape *shape,
                           const float       *weights,
                           float             *packed)
{
  if (ns_op_conv2d_winograd (shape))
    {
      pack_winograd (shape, weights, packed);
      return;
    }
  if (conv_pointwise (shape))
    {
      memcpy (packed, weights, ns_op_conv2d_weights_size (shape) *
                               sizeof (float));
      return;
    }
  pack_tiled (weights, shape->out_c, shape->in_c, shape->kernel, FALSE,
              FALSE, packed);
}

/* Packs w [Cout][Cin][k][k] for conv2d_direct_backward.comp as
 * [ceil (Cin / 3)][s][s][Cout][nj][nj][8], nj = ceil (k / s): entry
 * (g, a, b, co, j, i, t) = w[co][3 g + t][a + j s][b + i s], zero where
 * t >= 3 or that index is out of range (a whole buffer of
 * ns_op_conv2d_weights_size () floats is written). */
static void
pack_direct_backward (const NsConvShape *shape,
                      const float       *w,
                      float             *packed)
{
  guint k = shape->kernel, s = shape->stride, nj = direct_taps (shape);
  gsize n = direct_backward_size (shape);

  memset (packed, 0, ns_op_conv2d_weights_size (shape) * sizeof (float));
  for (gsize e = 0; e < n; e += NS_CONV_BACK_TAP)
    {
      gsize rest = e / NS_CONV_BACK_TAP;
      guint i = rest % nj, j = rest / nj % nj;
      guint co = rest / nj / nj % shape->out_c;
      guint b = rest / nj / nj / shape->out_c % s;
      guint a = rest / nj / nj / shape->out_c / s % s;
      guint g = rest / nj / nj / shape->out_c / s / s;
      guint ky = a + j * s, kx = b + i * s;

      if (ky >= k || kx >= k)
        continue;
      for (guint t = 0; t < NS_CONV_BACK_C; t++)
        {
          guint ci = g * NS_CONV_BACK_C + t;

          if (ci < shape->in_c)
            packed[e + t] = w[((co * shape->in_c + ci) * k + ky) * k + kx];
        }
    }
}

/* The tiled backward reads the flipped, transposed kernel
 * wt[ci][co][ky][kx] = w[co][ci][k - 1 - ky][k - 1 - kx], packed. */
void
ns_op_conv2d_pack_weights_backward (const NsConvShape *shape,
                                    const float       *weights,
                                    float             *packed)
{
  if (ns_op_conv2d_shares_weights (shape))
    ns_op_conv2d_pack_weights (shape, weights, packed);
  else if (conv_unfolded (shape))
    memcpy (packed, weights, (gsize) shape->out_c * shape->in_c *
                             shape->kernel * shape->kernel * sizeof (float));
  else if (conv_tiled (shape))
    pack_tiled (weights, shape->in_c, shape->out_c, shape->kernel, TRUE,
                TRUE, packed);
  else
    pack_direct_backward (shape, weights, packed);
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

/* Records @shader over the workgroup counts @groups, when the device
 * allows them. */
static gboolean
grid_dispatch (NsKernels     *kernels,
               NsVkCommands  *commands,
               NsShaderId     shader,
               NsVkBuffer   **buffers,
               const void    *push,
               guint          push_size,
               const guint32 *local_size,
               const guint32 *groups,
               GError       **error)
{
  const VkPhysicalDeviceLimits *limits;

  limits = ns_vk_context_get_limits (kernels->ctx);
  for (guint i = 0; i < 3; i++)
    if (groups[i] > limits->maxComputeWorkGroupCount[i])
      {
        g_set_error (error, NS_ERROR, NS_ERROR_UNSUPPORTED,
                     "Shader %s needs %u workgroups along %c; the device "
                     "allows %u", ns_vk_shader_name (shader), groups[i],
                     'x' + i, limits->maxComputeWorkGroupCount[i]);
        return FALSE;
      }

  return ns_op_dispatch (kernels, commands, shader, buffers, 4, push,
                         push_size, local_size, groups, error);
}

/* Records the tiled shader over out_w x out_h pixels and out_c channels. */
static gboolean
tile_dispatch (NsKernels            *kernels,
               NsVkCommands         *commands,
               NsShaderId            shader,
               NsVkBuffer          **buffers,
               const NsConvTilePush *push,
               GError              **error)
{
  guint32 groups[3] = {
    ns_kernels_groups (push->out_w, NS_CONV_TILE_W),
    ns_kernels_groups (push->out_h, NS_CONV_TILE_H),
    ns_kernels_groups (push->out_c, NS_CONV_TILE_C),
  };

  return grid_dispatch (kernels, commands, shader, buffers, push,
                        sizeof *push, conv_tile_local_size, groups, error);
}

/* Records the bands of one Winograd pass (forward, or @backward): for each
 * band of tile rows the input transform, the 36 products and the output
 * transform.  @mask and @bias may be any buffer where @flags does not ask
 * for them. */
static gboolean
wino_record (NsKernels           *kernels,
             NsVkCommands        *commands,
             const NsConvShape   *shape,
             gboolean             backward,
             NsVkBuffer          *src,
             NsVkBuffer          *mask,
             NsVkBuffer          *weights,
             NsVkBuffer          *bias,
             NsVkBuffer          *dst,
             const NsConvScratch *scratch,
             guint32              flags,
             GError             **error)
{
  WinoPass   pass;
  NsWinoPush push;
  guint      band_tiles;

  if (scratch == NULL)
    {
      g_set_error (error, NS_ERROR, NS_ERROR_BAD_INPUT,
                   "conv2d: the Winograd convolution needs scratch buffers");
      return FALSE;
    }
  wino_pass (shape, backward, &pass);
  band_tiles = wino_band_tiles (&pass, pass.band_rows);
  if (!ns_op_check_buffer (scratch->transformed, (guint64) NS_WINO_POSITIONS *
                           pass.k_c * band_tiles, "conv2d", "transformed",
                           error) ||
      !ns_op_check_buffer (scratch->products, (guint64) NS_WINO_POSITIONS *
                           pass.m_c * band_tiles, "conv2d", "products", error))
    return FALSE;
  push = (NsWinoPush) {
    .in_c = pass.k_c,
    .in_h = backward ? shape->out_h : shape->in_h,
    .in_w = backward ? shape->out_w : shape->in_w,
    .in_c_offset = backward ? shape->out_c_offset : 0,
    .out_c = pass.m_c, .out_h = pass.out_h, .out_w = pass.out_w,
    .out_c_offset = backward ? 0 : shape->out_c_offset,
    .pad = pass.pad, .flags = flags, .tiles_x = pass.tiles_x,
  };
  for (guint y0 = 0; y0 < pass.tiles_y; y0 += pass.band_rows)
    {
      NsVkBuffer *input_buffers[] = { src, mask, scratch->transformed };
      NsVkBuffer *output_buffers[] = { scratch->products, bias, dst };
      guint       tiles = wino_band_tiles (&pass, MIN (pass.band_rows,
                                                       pass.tiles_y - y0));
      guint32     input_groups[3] = {
        ns_kernels_groups (tiles, NS_WINO_TRANSFORM_INVOCATIONS), pass.k_c, 1
      };
      guint32     output_groups[3] = {
        ns_kernels_groups (tiles, NS_WINO_TRANSFORM_INVOCATIONS), pass.m_c, 1
      };
      /* U is [36][Cin][Cout]: forward A[co][ci] = U[ci][co], backward
       * A[ci][co] = U[ci][co] at the flipped position. */
      NsGemm      product = {
        .batches = NS_WINO_POSITIONS, .m = pass.m_c,
        .t = tiles, .t_last = tiles,
        .k = pass.k_c, .k_last = pass.k_c,
        .a_batch = shape->in_c * shape->out_c,
        .a_m = backward ? shape->out_c : 1,
        .a_k = backward ? 1 : shape->out_c,
        .b_batch = pass.k_c * tiles, .b_k = tiles, .b_t = 1,
        .c_batch = pass.m_c * tiles, .c_m = tiles, .c_t = 1,
        .scale = 1.0f, .flip = backward,
      };

      push.tile_y0 = y0;
      push.tiles = tiles;
      if (!ns_op_dispatch (kernels, commands, NS_SHADER_wino_input,
                           input_buffers, 3, &push, sizeof push,
                           wino_transform_local_size, input_groups, error) ||
          !ns_op_gemm_record (kernels, commands, &product, weights, NULL,
                              scratch->transformed, scratch->products,
                              error) ||
          !ns_op_dispatch (kernels, commands, NS_SHADER_wino_output,
                           output_buffers, 3, &push, sizeof push,
                           wino_transform_local_size, output_groups, error))
        return FALSE;
    }

  return TRUE;
}

/* Masks channels out_c_offset.. of @grad_out by the layer's ReLU in
 * place (nothing without one). */
static gboolean
relu_mask_record (NsKernels         *kernels,
                  NsVkCommands      *commands,
                  const NsConvShape *shape,
                  NsVkBuffer        *grad_out,
                  NsVkBuffer        *out,
                  GError           **error)
{
  NsVkBuffer    *buffers[] = { out, grad_out };
  guint          plane = shape->out_h * shape->out_w;
  NsReluMaskPush push = {
    .plane = plane, .n_channels = shape->out_c,
    .offset = shape->out_c_offset,
  };

  return !shape->relu ||
         ns_op_dispatch_linear (kernels, commands, NS_SHADER_relu_mask,
                                buffers, 2, &push, sizeof push,
                                (guint64) shape->out_c * plane, error);
}

/* A 1x1 layer forward: out[out_c_offset + co] = act (bias[co] + sum over
 * ci of w[co][ci] in[ci]), A = w [co][ci], B = in [ci][pixels]. */
static gboolean
pointwise_record (NsKernels         *kernels,
                  NsVkCommands      *commands,
                  const NsConvShape *shape,
                  NsVkBuffer        *in,
                  NsVkBuffer        *weights,
                  NsVkBuffer        *bias,
                  NsVkBuffer        *out,
                  GError           **error)
{
  guint  n = shape->in_h * shape->in_w;
  NsGemm product = {
    .m = shape->out_c, .k = shape->in_c, .k_last = shape->in_c,
    .a_m = shape->in_c, .a_k = 1,
    .c_offset = shape->out_c_offset * n,
    .scale = 1.0f, .relu = shape->relu,
  };

  ns_op_gemm_over_pixels (&product, n);

  return ns_op_gemm_record (kernels, commands, &product, weights, bias,
                            in, out, error);
}

/* A 1x1 layer backward: grad_out masked by the ReLU in place, then
 * grad_in[ci] (= or +=) sum over co of w[co][ci] grad_out[out_c_offset +
 * co], A = w^T. */
static gboolean
pointwise_backward_record (NsKernels         *kernels,
                           NsVkCommands      *commands,
                           const NsConvShape *shape,
                           NsVkBuffer        *grad_out,
                           NsVkBuffer        *out,
                           NsVkBuffer        *weights,
                           NsVkBuffer        *grad_in,
                           gboolean           accumulate,
                           GError           **error)
{
  guint  n = shape->in_h * shape->in_w;
  NsGemm product = {
    .m = shape->in_c, .k = shape->out_c, .k_last = shape->out_c,
    .a_m = 1, .a_k = shape->in_c,
    .b_offset = shape->out_c_offset * n,
    .scale = 1.0f, .accumulate = accumulate,
  };

  ns_op_gemm_over_pixels (&product, n);

  return relu_mask_record (kernels, commands, shape, grad_out, out, error) &&
         ns_op_gemm_record (kernels, commands, &product, weights, NULL,
                            grad_out, grad_in, error);
}

/* Mirrors the push constants of shaders/col2im.comp. */
typedef struct
{
  guint32 in_h, in_w, out_w, kernel;
  guint32 stride, pad, oy0, rows;
  guint32 y0, unused[3];
} NsCol2imPush;

static const guint32 col2im_local_size[3] = { 64, 1, 1 };

/* Any other layer backward, in bands of output rows: grad_out masked by
 * the ReLU in place, the patch gradients
 *   col[ci k k][band pixels] = w^T [ci k k][co] grad_out[co][band pixels]
 * into the products scratch buffer, then col2im.comp adds them up into
 * grad_in (zeroed first unless @accumulate). */
static gboolean
unfolded_backward_record (NsKernels           *kernels,
                          NsVkCommands        *commands,
                          const NsConvShape   *shape,
                          NsVkBuffer          *grad_out,
                          NsVkBuffer          *out,
                          NsVkBuffer          *weights,
                          NsVkBuffer          *grad_in,
                          gboolean             accumulate,
                          const NsConvScratch *scratch,
                          GError             **error)
{
  guint           k2 = shape->kernel * shape->kernel;
  guint           patch = shape->in_c * k2;
  guint           plane_out = shape->out_h * shape->out_w;
  guint           rows = unfolded_band_rows (shape);

  if (scratch == NULL)
    {
      g_set_error (error, NS_ERROR, NS_ERROR_BAD_INPUT,
                   "conv2d_backward: the unfolded backward pass needs "
                   "scratch buffers");
      return FALSE;
    }
  if (!ns_op_check_buffer (scratch->products, (guint64) patch * rows *
                           shape->out_w, "conv2d_backward", "products",
                           error) ||
      (!accumulate &&
       !ns_vk_commands_fill (kernels->ctx, commands, grad_in, 0, error)) ||
      !relu_mask_record (kernels, commands, shape, grad_out, out, error))
    return FALSE;

  for (guint oy0 = 0; oy0 < shape->out_h; oy0 += rows)
    {
      guint        band_rows = MIN (rows, shape->out_h - oy0);
      guint        pixels = band_rows * shape->out_w;
      int          first = (int) (oy0 * shape->stride) - (int) shape->pad;
      int          last = first + (int) ((band_rows - 1) * shape->stride +
                                         shape->kernel);
      guint        y0 = MAX (first, 0);
      guint        y1 = MIN (last, (int) shape->in_h);
      NsVkBuffer  *col_buffers[] = { scratch->products, grad_in };
      NsGemm       product = {
        .batches = 1, .m = patch, .t = pixels, .t_last = pixels,
        .k = shape->out_c, .k_last = shape->out_c,
        .a_m = 1, .a_k = patch,
        .b_offset = shape->out_c_offset * plane_out + oy0 * shape->out_w,
        .b_k = plane_out, .b_t = 1,
        .c_m = pixels, .c_t = 1, .scale = 1.0f,
      };
      NsCol2imPush push = {
        .in_h = shape->in_h, .in_w = shape->in_w, .out_w = shape->out_w,
        .kernel = shape->kernel, .stride = shape->stride, .pad = shape->pad,
        .oy0 = oy0, .rows = band_rows, .y0 = y0,
      };
      guint32      groups[3] = {
        ns_kernels_groups (shape->in_w, col2im_local_size[0]),
        y1 > y0 ? y1 - y0 : 1, shape->in_c,
      };

      if (!ns_op_gemm_record (kernels, commands, &product, weights, NULL,
                              grad_out, scratch->products, error) ||
          (y1 > y0 &&
           !ns_op_dispatch (kernels, commands, NS_SHADER_col2im, col_buffers,
                            2, &push, sizeof push, col2im_local_size, groups,
                            error)))
        return FALSE;
    }

  return TRUE;
}

static gboolean
direct_record (NsKernels         *kernels,
               NsVkCommands      *commands,
               const NsConvShape *shape,
               NsVkBuffer       **buffers,
               GError           **error)
{
  NsConvPush push;
  guint32    groups[3];

  push_fill (shape, &push);
  groups[0] = ns_kernels_groups (shape->out_w, NS_CONV_DIRECT_W);
  groups[1] = ns_kernels_groups (shape->out_h, NS_CONV_DIRECT_H);
  groups[2] = ns_kernels_groups (shape->out_c, NS_CONV_DIRECT_C);

  return grid_dispatch (kernels, commands, NS_SHADER_conv2d_direct, buffers,
                        &push, sizeof push, conv_direct_local_size, groups,
                        error);
}

gboolean
ns_op_conv2d_record (NsKernels         *kernels,
                     NsVkCommands      *commands,
                     const NsConvShape *shape,
                     NsVkBuffer        *in,
                     NsVkBuffer        *weights,
                     NsVkBuffer        *bias,
                     NsVkBuffer        *out,
                     const NsConvScratch *scratch,
                     GError           **error)
{
  NsVkBuffer    *buffers[] = { in, weights, bias, out };
  guint64        plane_out = (guint64) shape->out_h * shape->out_w;
  NsConvTilePush push;

  if (!shape_check (shape, error) ||
      !ns_op_check_buffer (in, (guint64) shape->in_c * shape->in_h * shape->in_w,
                           "conv2d", "in", error) ||
      !ns_op_check_buffer (weights, ns_op_conv2d_weights_size (shape),
                           "conv2d", "weights", error) ||
      !ns_op_check_buffer (bias, shape->out_c, "conv2d", "bias", error) ||
      !ns_op_check_buffer (out, shape->out_c_total * plane_out, "conv2d",
                           "out", error))
    return FALSE;

  if (conv_pointwise (shape))
    return pointwise_record (kernels, commands, shape, in, weights, bias, out,
                             error);
  if (ns_op_conv2d_winograd (shape))
    return wino_record (kernels, commands, shape, FALSE, in, in, weights,
                        bias, out, scratch,
                        NS_WINO_BIAS | (shape->relu ? NS_WINO_RELU : 0),
                        error);
  if (!conv_tiled (shape))
    return direct_record (kernels, commands, shape, buffers, error);

  push = (NsConvTilePush) {
    .in_c = shape->in_c, .in_h = shape->in_h, .in_w = shape->in_w,
    .out_c = shape->out_c, .out_h = shape->out_h, .out_w = shape->out_w,
    .out_c_offset = shape->out_c_offset,
    .kernel = shape->kernel, .pad = shape->pad,
    .flags = shape->relu ? NS_CONV_RELU : 0,
  };

  return tile_dispatch (kernels, commands, NS_SHADER_conv2d, buffers, &push,
                        error);
}

static gboolean
direct_backward_record (NsKernels         *kernels,
                        NsVkCommands      *commands,
                        const NsConvShape *shape,
                        NsVkBuffer       **buffers,
                        gboolean           accumulate,
                        GError           **error)
{
  NsConvBackwardPush push;
  guint32            groups[3];

  guint              s = shape->stride;

  /* Output-grid rows Q = 0 .. (in_h - 1 + pad) / s reach every input
   * row y = Q s + a - pad; columns likewise. */
  push_fill (shape, &push.conv);
  push.accumulate = accumulate ? 1 : 0;
  groups[0] = ns_kernels_groups ((shape->in_w - 1 + shape->pad) / s + 1,
                                 NS_CONV_BACK_W);
  groups[1] = ns_kernels_groups ((shape->in_h - 1 + shape->pad) / s + 1,
                                 NS_CONV_BACK_H);
  groups[2] = ns_kernels_groups (shape->in_c, NS_CONV_BACK_C) * s * s;

  return grid_dispatch (kernels, commands, NS_SHADER_conv2d_direct_backward,
                        buffers, &push, sizeof push, conv_back_local_size,
                        groups, error);
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
                              const NsConvScratch *scratch,
                              GError           **error)
{
  NsVkBuffer    *buffers[] = { grad_out, out, weights_backward, grad_in };
  guint64        plane_in = (guint64) shape->in_h * shape->in_w;
  guint64        out_size = (guint64) shape->out_c_total * shape->out_h *
                            shape->out_w;
  NsConvTilePush push;

  if (!shape_check (shape, error) ||
      !ns_op_check_buffer (grad_out, out_size, "conv2d_backward", "grad_out",
                           error) ||
      !ns_op_check_buffer (out, out_size, "conv2d_backward", "out", error) ||
      !ns_op_check_buffer (weights_backward, ns_op_conv2d_weights_size (shape),
                           "conv2d_backward", "weights", error) ||
      !ns_op_check_buffer (grad_in, shape->in_c * plane_in, "conv2d_backward",
                           "grad_in", error))
    return FALSE;

  if (conv_pointwise (shape))
    return pointwise_backward_record (kernels, commands, shape, grad_out, out,
                                      weights_backward, grad_in, accumulate,
                                      error);
  if (conv_unfolded (shape))
    return unfolded_backward_record (kernels, commands, shape, grad_out, out,
                                     weights_backward, grad_in, accumulate,
                                     scratch, error);
  /* The products buffer stands in for the bias, which is not read. */
  if (ns_op_conv2d_winograd (shape))
    return wino_record (kernels, commands, shape, TRUE, grad_out, out,
                        weights_backward, scratch != NULL ? scratch->products :
                        grad_out, grad_in, scratch,
                        (shape->relu ? NS_WINO_MASK : 0) |
                        (accumulate ? NS_WINO_ACCUMULATE : 0), error);
  if (!conv_tiled (shape))
    return direct_backward_record (kernels, commands, shape, buffers,
                                   accumulate, error);

  /* The transposed convolution: from the layer's output to its input. */
  push = (NsConvTilePush) {
    .in_c = shape->out_c, .in_h = shape->out_h, .in_w = shape->out_w,
    .in_c_offset = shape->out_c_offset,
    .out_c = shape->in_c, .out_h = shape->in_h, .out_w = shape->in_w,
    .kernel = shape->kernel, .pad = shape->kernel - 1 - shape->pad,
    .flags = (shape->relu ? NS_CONV_MASK : 0) |
             (accumulate ? NS_CONV_ACCUMULATE : 0),
  };

  return tile_dispatch (kernels, commands, NS_SHADER_conv2d_backward, buffers,
                        &push, error);
}
