/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Pixels between GIMP and the engine: always float through babl, whatever
 * the image's precision, so 8-bit, 16-bit and float images behave alike. */
#include <string.h>

#include "ns-gimp.h"

/* The float format matching @drawable's colour model and colour space.
 * Gray drawables are read as Y'A and expanded to R'G'B'A by hand. */
static const Babl *
ns_gimp_float_format (GimpDrawable *drawable,
                      gboolean      gray)
{
  return babl_format_with_space (gray ? "Y'A float" : "R'G'B'A float",
                                 gimp_drawable_get_format (drawable));
}

gboolean
ns_gimp_region_find (GimpDrawable  *drawable,
                     GeglRectangle *target,
                     GeglRectangle *context,
                     GError       **error)
{
  gint x, y, w, h;
  gint dw = gimp_drawable_get_width (drawable);
  gint dh = gimp_drawable_get_height (drawable);

  /* The selection's bounds on the drawable, in drawable coordinates; the
   * whole drawable when nothing is selected. */
  if (! gimp_drawable_mask_intersect (drawable, &x, &y, &w, &h) ||
      w <= 0 || h <= 0)
    {
      g_set_error_literal (error, NS_ERROR, NS_ERROR_BAD_INPUT,
                           "The selection does not touch the layer: select "
                           "part of the layer or nothing at all.");
      return FALSE;
    }
  *target = (GeglRectangle) { x, y, w, h };

  context->x = MAX (x - NS_GIMP_MARGIN, 0);
  context->y = MAX (y - NS_GIMP_MARGIN, 0);
  context->width = MIN (x + w + NS_GIMP_MARGIN, dw) - context->x;
  context->height = MIN (y + h + NS_GIMP_MARGIN, dh) - context->y;
  return TRUE;
}

void
ns_gimp_pixels_read (GimpDrawable        *drawable,
                     const GeglRectangle *rect,
                     NsGimpPixels        *pixels)
{
  GeglBuffer *buffer = gimp_drawable_get_buffer (drawable);
  gboolean    gray = gimp_drawable_is_gray (drawable);
  gsize       n = (gsize) rect->width * rect->height;

  pixels->rect = *rect;
  pixels->rgba = g_new (float, n * 4);
  gegl_buffer_get (buffer, rect, 1.0, ns_gimp_float_format (drawable, gray),
                   pixels->rgba, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  g_object_unref (buffer);

  /* Y'A pairs to R'G'B'A quads, in place from the end: quad i never
   * overwrites a pair not yet read. */
  if (gray)
    for (gsize i = n; i-- > 0;)
      {
        float y = pixels->rgba[2 * i];
        float a = pixels->rgba[2 * i + 1];

        pixels->rgba[4 * i + 0] = y;
        pixels->rgba[4 * i + 1] = y;
        pixels->rgba[4 * i + 2] = y;
        pixels->rgba[4 * i + 3] = a;
      }
}

void
ns_gimp_pixels_clear (NsGimpPixels *pixels)
{
  g_clear_pointer (&pixels->rgba, g_free);
}

/* The engine sees no alpha and takes colours in 0..1 (float images may
 * hold more; they are clipped).  Colours hidden under transparency must
 * not reach it (they would bleed into visible pixels), so each pixel becomes
 *   rgb' = a * rgb + (1 - a) * mean
 * where mean is the alpha-weighted mean colour of the visible pixels:
 * opaque pixels stay exact, fully transparent ones carry nothing of their
 * own. */
void
ns_gimp_pixels_to_image (const NsGimpPixels *pixels,
                         NsImage            *image)
{
  gsize  n = (gsize) pixels->rect.width * pixels->rect.height;
  double sum[3] = { 0.0, 0.0, 0.0 };
  double weight = 0.0;
  float  mean[3] = { 0.5f, 0.5f, 0.5f };

  for (gsize i = 0; i < n; i++)
    {
      const float *p = pixels->rgba + 4 * i;

      for (guint c = 0; c < 3; c++)
        sum[c] += (double) p[3] * p[c];
      weight += p[3];
    }
  if (weight > 0.0)
    for (guint c = 0; c < 3; c++)
      mean[c] = (float) (sum[c] / weight);

  image->width = (guint) pixels->rect.width;
  image->height = (guint) pixels->rect.height;
  image->pixels = g_new (float, n * 3);
  for (gsize i = 0; i < n; i++)
    {
      const float *p = pixels->rgba + 4 * i;
      float        a = CLAMP (p[3], 0.0f, 1.0f);

      for (guint c = 0; c < 3; c++)
        image->pixels[3 * i + c] =
          a * CLAMP (p[c], 0.0f, 1.0f) + (1.0f - a) * mean[c];
    }
}
