/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Image files in and out through GEGL: whatever GEGL decodes, converted to
 * the engine's R'G'B' float, and written back keeping the original's size,
 * alpha, gray or colour, bit depth and colour space. */
#include "ns-image-io.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

typedef struct
{
  const char *extension;
  const char *operation;
  guint       max_bits;        /* widest channel the format holds */
  const char *depth_property;  /* takes 8 or 16, where the saver has one */
  const char *gray_property;   /* a gboolean asking for a gray file */
} NsSaver;

static const NsSaver savers[] =
{
  { "png",  "gegl:png-save",  16, "bitdepth", NULL        },
  { "jpg",  "gegl:jpg-save",   8, NULL,       "grayscale" },
  { "jpeg", "gegl:jpg-save",   8, NULL,       "grayscale" },
  { "tif",  "gegl:tiff-save", 32, NULL,       NULL        },
  { "tiff", "gegl:tiff-save", 32, NULL,       NULL        },
  { "webp", "gegl:webp-save",  8, NULL,       NULL        },
  { "exr",  "gegl:exr-save",  32, NULL,       NULL        },
};

/* GEGL's loaders and savers report trouble only through g_warning; while
 * one runs, the first such message is kept for the error we return. */
typedef struct
{
  char  *first;
  guint  handlers[2];
} LogCapture;

static void
log_capture_message (const gchar    *domain,
                     GLogLevelFlags  level,
                     const gchar    *message,
                     gpointer        data)
{
  LogCapture *capture = data;

  if (capture->first == NULL)
    capture->first = g_strdup (message);
}

static void
log_capture_begin (LogCapture *capture)
{
  GLogLevelFlags levels = G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE;

  capture->first = NULL;
  capture->handlers[0] = g_log_set_handler (NULL, levels,
                                            log_capture_message, capture);
  capture->handlers[1] = g_log_set_handler ("GEGL", levels,
                                            log_capture_message, capture);
}

/* Returns the first message caught, or NULL; the caller frees it. */
static char *
log_capture_end (LogCapture *capture)
{
  g_log_remove_handler (NULL, capture->handlers[0]);
  g_log_remove_handler ("GEGL", capture->handlers[1]);

  return capture->first;
}

static gboolean
fail_damaged (const char  *path,
              const char  *problem,
              GError     **error)
{
  g_set_error (error, NS_ERROR, NS_ERROR_BAD_INPUT,
               "'%s' is damaged or incomplete: %s", path, problem);
  return FALSE;
}

/* A JPEG whose headers are cut short makes libjpeg end the process from
 * inside GEGL's loader, and one cut inside its image data decodes to gray
 * without an error: so the segments are walked up to the scan (each
 * segment: 0xFF, marker, 16-bit big-endian length counting itself) and an
 * end-of-image marker must follow it. */
static gboolean
check_jpeg (const char   *path,
            const guchar *data,
            gsize         size,
            GError      **error)
{
  gsize pos = 2;

  while (TRUE)
    {
      guint marker, length;

      if (pos + 4 > size)
        return fail_damaged (path, "the file ends inside its headers", error);
      if (data[pos] != 0xff)
        return fail_damaged (path, "a header segment is malformed", error);

      marker = data[pos + 1];
      if (marker == 0xff || marker == 0x01 ||
          (marker >= 0xd0 && marker <= 0xd7))
        {
          pos += marker == 0xff ? 1 : 2;
          continue;
        }
      if (marker == 0xd9)
        return fail_damaged (path, "the file has no image data", error);

      length = (guint) data[pos + 2] << 8 | data[pos + 3];
      if (length < 2 || pos + 2 + length > size)
        return fail_damaged (path, "the file ends inside its headers", error);
      pos += 2 + length;
      if (marker == 0xda)
        break;
    }

  if (memmem (data + pos, size - pos, "\xff\xd9", 2) == NULL)
    return fail_damaged (path, "the file ends before its image data does",
                         error);
  return TRUE;
}

/* A PNG cut short lacks its closing IEND chunk. */
static gboolean
check_png (const char   *path,
           const guchar *data,
           gsize         size,
           GError      **error)
{
  gsize tail = MIN (size, 4096);

  if (memmem (data + size - tail, tail, "IEND", 4) == NULL)
    return fail_damaged (path, "the file ends before its image data does",
                         error);
  return TRUE;
}

typedef gboolean (*NsFileCheck) (const char   *path,
                                 const guchar *data,
                                 gsize         size,
                                 GError      **error);

static const struct
{
  const char  *magic;
  gsize        magic_size;
  NsFileCheck  check;
} file_checks[] =
{
  { "\xff\xd8\xff",     3, check_jpeg },
  { "\x89PNG\r\n\x1a\n", 8, check_png  },
};

/* Whether @path is a regular file we may read; errno-style reasons. */
static gboolean
check_readable (const char  *path,
                gsize       *size,
                GError     **error)
{
  GStatBuf st;
  int      reason = 0;

  if (g_stat (path, &st) != 0)
    reason = errno;
  else if (S_ISDIR (st.st_mode))
    reason = EISDIR;
  else if (!S_ISREG (st.st_mode))
    reason = ENODEV;
  else if (g_access (path, R_OK) != 0)
    reason = errno;

  if (reason != 0)
    {
      g_set_error (error, NS_ERROR, NS_ERROR_BAD_INPUT,
                   "cannot read '%s': %s", path, g_strerror (reason));
      return FALSE;
    }
  if (st.st_size == 0)
    return fail_damaged (path, "the file is empty", error);

  *size = (gsize) st.st_size;
  return TRUE;
}

/* Opens @path and checks what can be checked before GEGL sees it. */
static gboolean
check_file (const char  *path,
            GError     **error)
{
  GMappedFile  *map;
  GError       *local = NULL;
  const guchar *data;
  gsize         size, i;
  gboolean      ok = TRUE;

  if (!check_readable (path, &size, error))
    return FALSE;

  map = g_mapped_file_new (path, FALSE, &local);
  if (map == NULL)
    {
      g_set_error (error, NS_ERROR, NS_ERROR_BAD_INPUT,
                   "cannot read '%s': %s", path, local->message);
      g_error_free (local);
      return FALSE;
    }
  data = (const guchar *) g_mapped_file_get_contents (map);
  size = g_mapped_file_get_length (map);

  for (i = 0; i < G_N_ELEMENTS (file_checks) && ok; i++)
    if (size >= file_checks[i].magic_size &&
        memcmp (data, file_checks[i].magic, file_checks[i].magic_size) == 0)
      ok = file_checks[i].check (path, data, size, error);

  g_mapped_file_unref (map);
  return ok;
}

static void
file_describe (NsImageFile *file)
{
  const Babl *format = gegl_buffer_get_format (file->buffer);
  const Babl *type   = babl_format_get_type (format, 0);
  int         n      = babl_format_get_n_components (format);

  file->width     = (guint) gegl_buffer_get_width (file->buffer);
  file->height    = (guint) gegl_buffer_get_height (file->buffer);
  file->has_alpha = babl_format_has_alpha (format) != 0;
  file->is_gray   = n - (file->has_alpha ? 1 : 0) == 1;

  if (type == babl_type ("u8"))
    file->bits = 8;
  else if (type == babl_type ("u16"))
    file->bits = 16;
  else
    file->bits = 32;
}

gboolean
ns_image_file_load (NsImageFile  *file,
                    const char   *path,
                    GError      **error)
{
  GeglNode     *graph, *load, *sink;
  GeglRectangle extent;
  LogCapture    capture;
  char         *message;

  memset (file, 0, sizeof *file);
  if (!check_file (path, error))
    return FALSE;

  /* GEGL reads the file's header as soon as the nodes are linked. */
  log_capture_begin (&capture);
  graph = gegl_node_new ();
  load = gegl_node_new_child (graph, "operation", "gegl:load",
                              "path", path, NULL);
  sink = gegl_node_new_child (graph, "operation", "gegl:buffer-sink",
                              "buffer", &file->buffer, NULL);
  gegl_node_link (load, sink);
  extent = gegl_node_get_bounding_box (load);
  if (extent.width > 0 && extent.height > 0)
    gegl_node_process (sink);
  g_object_unref (graph);
  message = log_capture_end (&capture);

  if (file->buffer == NULL || extent.width <= 0 || extent.height <= 0)
    {
      g_set_error (error, NS_ERROR, NS_ERROR_BAD_INPUT,
                   "cannot decode '%s': not an image GEGL can read, or a "
                   "damaged one%s%s%s", path, message ? " (" : "",
                   message ? message : "", message ? ")" : "");
      g_free (message);
      ns_image_file_clear (file);
      return FALSE;
    }

  g_free (message);
  file_describe (file);
  return TRUE;
}

void
ns_image_file_clear (NsImageFile *file)
{
  g_clear_object (&file->buffer);
}

static float *
pixels_new (guint    width,
            guint    height,
            guint    channels,
            GError **error)
{
  float *pixels = g_try_malloc_n ((gsize) width * height,
                                  channels * sizeof (float));

  if (pixels == NULL)
    g_set_error (error, NS_ERROR, NS_ERROR_OUT_OF_MEMORY,
                 "no memory for a %ux%u image", width, height);
  return pixels;
}

gboolean
ns_image_file_get_rgb (const NsImageFile  *file,
                       NsImage            *image,
                       GError            **error)
{
  const GeglRectangle *extent = gegl_buffer_get_extent (file->buffer);

  image->pixels = pixels_new (file->width, file->height, 3, error);
  if (image->pixels == NULL)
    return FALSE;

  image->width  = file->width;
  image->height = file->height;
  gegl_buffer_get (file->buffer, extent, 1.0, babl_format ("R'G'B' float"),
                   image->pixels, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  return TRUE;
}

static const NsSaver *
saver_lookup (const char  *path,
              GError     **error)
{
  char       *base = g_path_get_basename (path);
  const char *dot  = strrchr (base, '.');
  GString    *known = g_string_new (NULL);
  gsize       i;

  for (i = 0; i < G_N_ELEMENTS (savers); i++)
    {
      if (!gegl_has_operation (savers[i].operation))
        continue;
      if (dot != NULL && g_ascii_strcasecmp (dot + 1, savers[i].extension) == 0)
        {
          g_free (base);
          g_string_free (known, TRUE);
          return &savers[i];
        }
      g_string_append_printf (known, "%s.%s", known->len ? ", " : "",
                              savers[i].extension);
    }

  g_set_error (error, NS_ERROR, NS_ERROR_BAD_INPUT,
               "cannot write '%s': %s; the name must end in one of %s",
               path, dot ? "unknown image format" : "no file extension",
               known->str);
  g_free (base);
  g_string_free (known, TRUE);
  return NULL;
}

const char *
ns_image_io_find_saver (const char  *path,
                        GError     **error)
{
  const NsSaver *saver = saver_lookup (path, error);

  return saver ? saver->operation : NULL;
}

/* The buffer format written: @like's model and colour space, @bits wide
 * (u8, u16, or float for 32). */
static const Babl *
output_format (const NsImageFile *like,
               guint              bits)
{
  const Babl *format = gegl_buffer_get_format (like->buffer);
  const Babl *space  = babl_format_get_space (format);
  const char *model, *type;
  char        name[32];

  if (like->is_gray)
    model = like->has_alpha ? "Y'A" : "Y'";
  else
    model = like->has_alpha ? "R'G'B'A" : "R'G'B'";
  type = bits == 8 ? "u8" : bits == 16 ? "u16" : "float";

  /* A CMYK file is written as RGB, in sRGB. */
  if (babl_space_is_cmyk (space) ||
      (!like->is_gray && babl_space_is_gray (space)))
    space = NULL;

  g_snprintf (name, sizeof name, "%s %s", model, type);
  return babl_format_with_space (name, space);
}

/* R'G'B'A float of @rgb with @like's alpha, or @rgb's own pixels where
 * @like has no alpha (then *to_free is NULL). */
static const float *
output_pixels (const NsImage      *rgb,
               const NsImageFile  *like,
               float             **to_free,
               GError            **error)
{
  gsize  n = (gsize) rgb->width * rgb->height, i;
  float *rgba;

  *to_free = NULL;
  if (!like->has_alpha)
    return rgb->pixels;

  rgba = pixels_new (rgb->width, rgb->height, 4, error);
  if (rgba == NULL)
    return NULL;
  gegl_buffer_get (like->buffer, gegl_buffer_get_extent (like->buffer), 1.0,
                   babl_format ("R'G'B'A float"), rgba, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);
  for (i = 0; i < n; i++)
    memcpy (rgba + i * 4, rgb->pixels + i * 3, 3 * sizeof (float));

  *to_free = rgba;
  return rgba;
}

static gboolean
write_buffer (GeglBuffer    *buffer,
              const char    *path,
              const NsSaver *saver,
              guint          bits,
              gboolean       gray,
              GError       **error)
{
  GeglNode  *graph, *source, *sink;
  LogCapture capture;
  char      *message;
  GStatBuf   st;

  log_capture_begin (&capture);
  graph = gegl_node_new ();
  source = gegl_node_new_child (graph, "operation", "gegl:buffer-source",
                                "buffer", buffer, NULL);
  sink = gegl_node_new_child (graph, "operation", saver->operation,
                              "path", path, NULL);
  if (saver->depth_property != NULL)
    gegl_node_set (sink, saver->depth_property, bits > 8 ? 16 : 8, NULL);
  if (saver->gray_property != NULL)
    gegl_node_set (sink, saver->gray_property, gray, NULL);
  gegl_node_link (source, sink);
  gegl_node_process (sink);
  g_object_unref (graph);
  message = log_capture_end (&capture);

  if (g_stat (path, &st) != 0 || st.st_size == 0)
    {
      g_set_error (error, NS_ERROR, NS_ERROR_FAILED,
                   "%s wrote nothing to '%s'%s%s%s", saver->operation, path,
                   message ? " (" : "", message ? message : "",
                   message ? ")" : "");
      g_free (message);
      return FALSE;
    }
  g_free (message);
  return TRUE;
}

gboolean
ns_image_io_save (const char         *path,
                  const NsImage      *rgb,
                  const NsImageFile  *like,
                  GError            **error)
{
  const NsSaver *saver = saver_lookup (path, error);
  GeglRectangle  rect  = { 0, 0, (gint) rgb->width, (gint) rgb->height };
  const float   *pixels;
  float         *to_free;
  GeglBuffer    *buffer;
  gboolean       ok;

  if (saver == NULL)
    return FALSE;
  if (rgb->width != like->width || rgb->height != like->height)
    {
      g_set_error (error, NS_ERROR, NS_ERROR_FAILED,
                   "the result is %ux%u, the source %ux%u", rgb->width,
                   rgb->height, like->width, like->height);
      return FALSE;
    }

  pixels = output_pixels (rgb, like, &to_free, error);
  if (pixels == NULL)
    return FALSE;

  buffer = gegl_buffer_new (&rect,
                            output_format (like, MIN (like->bits,
                                                      saver->max_bits)));
  gegl_buffer_set (buffer, &rect, 0,
                   babl_format (like->has_alpha ? "R'G'B'A float"
                                                : "R'G'B' float"),
                   pixels, GEGL_AUTO_ROWSTRIDE);
  g_free (to_free);

  ok = write_buffer (buffer, path, saver, MIN (like->bits, saver->max_bits),
                     like->is_gray, error);
  g_object_unref (buffer);
  return ok;
}
