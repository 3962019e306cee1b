/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Host-side image helpers of the engine. */
#include "ns-image.h"

#include <math.h>
#include <string.h>

void
ns_image_init (NsImage *image,
               guint    width,
               guint    height)
{
  image->width = width;
  image->height = height;
  image->pixels = g_new0 (float, (gsize) width * height * 3);
}

void
ns_image_clear (NsImage *image)
{
  g_clear_pointer (&image->pixels, g_free);
  image->width = image->height = 0;
}

/* Weights of one output sample over the input samples [first, first + n):
 * a triangle of half-width @support input samples centred on the output
 * sample's centre, normalised to sum 1. */
typedef struct
{
  guint  first;
  guint  n;
  float *weights;
} Taps;

static Taps *
taps_new (guint n_in,
          guint n_out)
{
  double scale = (double) n_in / n_out;
  double support = MAX (scale, 1.0);
  Taps  *taps = g_new0 (Taps, n_out);

  for (guint o = 0; o < n_out; o++)
    {
      double centre = (o + 0.5) * scale;
      int    lo = MAX ((int) floor (centre - support), 0);
      int    hi = MIN ((int) ceil (centre + support), (int) n_in);
      double sum = 0.0;

      taps[o].first = lo;
      taps[o].n = MAX (hi - lo, 1);
      taps[o].weights = g_new0 (float, taps[o].n);
      for (int i = lo; i < hi; i++)
        {
          double w = 1.0 - fabs ((i + 0.5 - centre) / support);

          taps[o].weights[i - lo] = (float) MAX (w, 0.0);
          sum += MAX (w, 0.0);
        }
      if (sum <= 0.0)
        {
          taps[o].first = MIN ((guint) centre, n_in - 1);
          taps[o].n = 1;
          taps[o].weights[0] = 1.0f;
          continue;
        }
      for (guint i = 0; i < taps[o].n; i++)
        taps[o].weights[i] /= (float) sum;
    }

  return taps;
}

static void
taps_free (Taps  *taps,
           guint  n)
{
  for (guint i = 0; i < n; i++)
    g_free (taps[i].weights);
  g_free (taps);
}

/* Resamples @n_lines lines of @n_in samples of 3 floats each; a line starts
 * at line * line_stride and its samples are sample_stride floats apart. */
static void
resample_axis (const float *src,
               float       *dst,
               guint        n_lines,
               guint        n_in,
               guint        n_out,
               gsize        src_line_stride,
               gsize        dst_line_stride,
               gsize        sample_stride)
{
  Taps *taps = taps_new (n_in, n_out);

  for (guint line = 0; line < n_lines; line++)
    {
      const float *in = src + line * src_line_stride;
      float       *out = dst + line * dst_line_stride;

      for (guint o = 0; o < n_out; o++)
        {
          float sum[3] = { 0.0f, 0.0f, 0.0f };

          for (guint t = 0; t < taps[o].n; t++)
            for (guint c = 0; c < 3; c++)
              sum[c] += taps[o].weights[t] *
                        in[(taps[o].first + t) * sample_stride + c];
          for (guint c = 0; c < 3; c++)
            out[o * sample_stride + c] = sum[c];
        }
    }
  taps_free (taps, n_out);
}

void
ns_image_resize (const NsImage *src,
                 guint          width,
                 guint          height,
                 NsImage       *dst)
{
  float *rows;

  ns_image_init (dst, width, height);
  if (width == src->width && height == src->height)
    {
      memcpy (dst->pixels, src->pixels, (gsize) width * height * 3 * sizeof (float));
      return;
    }

  /* Rows first (src->height lines of width samples), then columns. */
  rows = g_new (float, (gsize) width * src->height * 3);
  resample_axis (src->pixels, rows, src->height, src->width, width,
                 (gsize) src->width * 3, (gsize) width * 3, 3);
  resample_axis (rows, dst->pixels, width, src->height, height,
                 3, 3, (gsize) width * 3);
  g_free (rows);
}

void
ns_image_to_planar (const NsImage *image,
                    float         *planar)
{
  gsize n = (gsize) image->width * image->height;

  for (gsize i = 0; i < n; i++)
    for (guint c = 0; c < 3; c++)
      planar[c * n + i] = image->pixels[i * 3 + c];
}

void
ns_image_from_planar (NsImage     *image,
                      const float *planar)
{
  gsize n = (gsize) image->width * image->height;

  for (gsize i = 0; i < n; i++)
    for (guint c = 0; c < 3; c++)
      image->pixels[i * 3 + c] = planar[c * n + i];
}

void
ns_image_keep_colors (NsImage       *result,
                      const NsImage *content)
{
  gsize n = (gsize) result->width * result->height;

  for (gsize i = 0; i < n; i++)
    {
      float *r = result->pixels + i * 3;
      const float *s = content->pixels + i * 3;
      /* BT.601 luma and chroma of R'G'B' in 0..1. */
      float y  = 0.299f * r[0] + 0.587f * r[1] + 0.114f * r[2];
      float cb = -0.168736f * s[0] - 0.331264f * s[1] + 0.5f * s[2];
      float cr = 0.5f * s[0] - 0.418688f * s[1] - 0.081312f * s[2];

      r[0] = CLAMP (y + 1.402f * cr, 0.0f, 1.0f);
      r[1] = CLAMP (y - 0.344136f * cb - 0.714136f * cr, 0.0f, 1.0f);
      r[2] = CLAMP (y + 1.772f * cb, 0.0f, 1.0f);
    }
}

void
ns_image_fit (guint  width,
              guint  height,
              guint  long_side,
              guint *fit_width,
              guint *fit_height)
{
  if (width >= height)
    {
      *fit_width = long_side;
      *fit_height = MAX (1, (guint) lround ((double) height * long_side / width));
    }
  else
    {
      *fit_height = long_side;
      *fit_width = MAX (1, (guint) lround ((double) width * long_side / height));
    }
}

gboolean
ns_image_is_finite (const NsImage *image)
{
  gsize n = (gsize) image->width * image->height * 3;

  for (gsize i = 0; i < n; i++)
    if (!isfinite (image->pixels[i]))
      return FALSE;

  return TRUE;
}

/* Index of @i - @offset mirrored into 0 .. n-1: n - 2, n - 3, ... past
 * the end and 1, 2, ... before the start, edge pixels not repeated. */
static guint
mirror (guint i,
        guint offset,
        guint n)
{
  guint period = n > 1 ? 2 * (n - 1) : 1;

  /* i - offset + period * ceil (offset / period) is never negative. */
  i = (i + period * ((offset + period - 1) / period) - offset) % period;
  return i < n ? i : period - i;
}

void
ns_image_pad (const NsImage *src,
              guint          left,
              guint          top,
              guint          width,
              guint          height,
              NsImage       *dst)
{
  ns_image_init (dst, width, height);
  for (guint y = 0; y < height; y++)
    for (guint x = 0; x < width; x++)
      {
        gsize from = ((gsize) mirror (y, top, src->height) * src->width +
                      mirror (x, left, src->width)) * 3;

        memcpy (dst->pixels + ((gsize) y * width + x) * 3,
                src->pixels + from, 3 * sizeof (float));
      }
}

void
ns_image_crop (const NsImage *src,
               guint          left,
               guint          top,
               guint          width,
               guint          height,
               NsImage       *dst)
{
  ns_image_init (dst, width, height);
  for (guint y = 0; y < height; y++)
    memcpy (dst->pixels + (gsize) y * width * 3,
            src->pixels + ((gsize) (top + y) * src->width + left) * 3,
            (gsize) width * 3 * sizeof (float));
}

void
ns_image_add_noise (NsImage *image,
                    guint32  seed,
                    float    keep)
{
  GRand *rand = g_rand_new_with_seed (seed);
  gsize  n = (gsize) image->width * image->height * 3;

  for (gsize i = 0; i < n; i++)
    image->pixels[i] = keep * image->pixels[i] +
                       (1.0f - keep) * (float) g_rand_double (rand);
  g_rand_free (rand);
}
