/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The style image in, the result layer out. */
#include "ns-gimp.h"

/* The layer holding the style: the single layer, or the visible layers
 * merged (the image is a private copy loaded for this run). */
static GimpDrawable *
ns_gimp_style_drawable (GimpImage *image)
{
  GimpLayer **layers = gimp_image_get_layers (image);
  GimpLayer  *layer = NULL;

  if (layers != NULL && layers[0] != NULL && layers[1] == NULL)
    layer = layers[0];
  else if (layers != NULL && layers[0] != NULL)
    layer = gimp_image_merge_visible_layers (image, GIMP_CLIP_TO_IMAGE);
  g_free (layers);
  return GIMP_DRAWABLE (layer);
}

static void
ns_gimp_style_read (GimpDrawable *drawable,
                    NsImage      *style)
{
  NsGimpPixels  pixels;
  GeglRectangle rect = { 0, 0, gimp_drawable_get_width (drawable),
                         gimp_drawable_get_height (drawable) };

  ns_gimp_pixels_read (drawable, &rect, &pixels);
  ns_gimp_pixels_to_image (&pixels, style);
  ns_gimp_pixels_clear (&pixels);
}

static gboolean
ns_gimp_style_load_file (GFile    *file,
                         NsImage  *style,
                         GError  **error)
{
  GimpImage    *image;
  GimpDrawable *drawable;
  char         *name = g_file_get_parse_name (file);

  image = gimp_file_load (GIMP_RUN_NONINTERACTIVE, file);
  drawable = image != NULL ? ns_gimp_style_drawable (image) : NULL;
  if (drawable == NULL)
    {
      const char *why = gimp_pdb_get_last_error (gimp_get_pdb ());

      g_set_error (error, NS_ERROR, NS_ERROR_BAD_INPUT,
                   "Could not read the style image \"%s\" (GIMP's loader "
                   "says: %s).  The file is damaged, unreadable or not an "
                   "image: choose another style image.", name,
                   why != NULL && *why != '\0' ? why : "nothing");
      if (image != NULL)
        gimp_image_delete (image);
      g_free (name);
      return FALSE;
    }
  ns_gimp_style_read (drawable, style);
  gimp_image_delete (image);
  g_free (name);
  return TRUE;
}

gboolean
ns_gimp_style_load (const NsGimpSettings *settings,
                    NsImage              *style,
                    GError              **error)
{
  if (settings->style_layer != NULL)
    {
      ns_gimp_style_read (settings->style_layer, style);
      return TRUE;
    }
  return ns_gimp_style_load_file (settings->style_file, style, error);
}

/* Result colours with the source's alpha, cropped from the context to the
 * target (both rectangles in drawable coordinates). */
static float *
ns_gimp_result_rgba (const NsGimpPixels  *source,
                     const GeglRectangle *target,
                     const NsImage       *result)
{
  gint   dx = target->x - source->rect.x;
  gint   dy = target->y - source->rect.y;
  float *rgba = g_new (float, (gsize) target->width * target->height * 4);

  for (gint y = 0; y < target->height; y++)
    for (gint x = 0; x < target->width; x++)
      {
        gsize        s = (gsize) (y + dy) * source->rect.width + (x + dx);
        float       *out = rgba + 4 * ((gsize) y * target->width + x);
        const float *rgb = result->pixels + 3 * s;

        out[0] = rgb[0];
        out[1] = rgb[1];
        out[2] = rgb[2];
        out[3] = source->rgba[4 * s + 3];
      }
  return rgba;
}

/* Writes @rgba into @layer; babl converts to the layer's type (gray or
 * RGB, with or without alpha) and the image's precision. */
static void
ns_gimp_layer_write (GimpLayer   *layer,
                     const float *rgba)
{
  GimpDrawable *drawable = GIMP_DRAWABLE (layer);
  GeglBuffer   *buffer = gimp_drawable_get_buffer (drawable);
  const Babl   *format = babl_format ("R'G'B'A float");
  GeglRectangle rect = { 0, 0, gimp_drawable_get_width (drawable),
                         gimp_drawable_get_height (drawable) };

  if (! gimp_drawable_is_gray (drawable))
    format = babl_format_with_space ("R'G'B'A float",
                                     gimp_drawable_get_format (drawable));
  gegl_buffer_set (buffer, &rect, 0, format, rgba, GEGL_AUTO_ROWSTRIDE);
  g_object_unref (buffer);
  gimp_drawable_update (drawable, 0, 0, rect.width, rect.height);
}

/* Directly above @drawable, in the same layer group. */
static gboolean
ns_gimp_layer_place (GimpImage    *image,
                     GimpDrawable *drawable,
                     GimpLayer    *layer)
{
  GimpItem *parent = gimp_item_get_parent (GIMP_ITEM (drawable));
  gint      position = gimp_image_get_item_position (image,
                                                     GIMP_ITEM (drawable));

  return gimp_image_insert_layer (image, layer, GIMP_LAYER (parent),
                                  position);
}

static gboolean
ns_gimp_layer_add_mask (GimpLayer *layer)
{
  GimpLayerMask *mask;

  mask = gimp_layer_create_mask (layer, GIMP_ADD_MASK_SELECTION);
  return mask != NULL && gimp_layer_add_mask (layer, mask);
}

GimpLayer *
ns_gimp_layer_insert (GimpImage           *image,
                      GimpDrawable        *drawable,
                      const NsGimpPixels  *source,
                      const GeglRectangle *target,
                      const NsImage       *result,
                      GError             **error)
{
  char      *name;
  GimpLayer *layer;
  gint       ox, oy;
  gboolean   ok;
  float     *rgba = ns_gimp_result_rgba (source, target, result);

  name = g_strdup_printf ("%s (Neural Style)",
                          gimp_item_get_name (GIMP_ITEM (drawable)));
  gimp_drawable_get_offsets (drawable, &ox, &oy);

  /* One undo step: the new layer, its pixels and its mask. */
  gimp_image_undo_group_start (image);
  layer = gimp_layer_new (image, name, target->width, target->height,
                          gimp_drawable_type (drawable), 100.0,
                          GIMP_LAYER_MODE_NORMAL);
  ok = layer != NULL && ns_gimp_layer_place (image, drawable, layer);
  if (ok)
    {
      gimp_layer_set_offsets (layer, ox + target->x, oy + target->y);
      ns_gimp_layer_write (layer, rgba);
      if (! gimp_selection_is_empty (image))
        ok = ns_gimp_layer_add_mask (layer);
    }
  gimp_image_undo_group_end (image);

  if (! ok)
    g_set_error (error, NS_ERROR, NS_ERROR_FAILED,
                 "Could not add the layer \"%s\": %s", name,
                 gimp_pdb_get_last_error (gimp_get_pdb ()));
  g_free (rgba);
  g_free (name);
  return ok ? layer : NULL;
}
