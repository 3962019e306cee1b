/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Filters > Artistic > Neural Style: the GIMP 3 procedure and its dialog. */
#include <string.h>

#include <libgimp/gimpui.h>

#include "ns-gimp.h"

#define NS_GIMP_BINARY "neural-style"

#define NS_GIMP_HELP \
  "Repaints the layer, or the selected part of it, in the style of " \
  "another image (a painting: a file, or a layer of any open image), " \
  "keeping what the layer shows.  The result is a new layer above the " \
  "original, which is left unchanged; with a selection, the new layer " \
  "covers the selection and is masked by it.\n\n" \
  "It optimises the pixels so that the features of a pretrained network " \
  "(SqueezeNet, or the slower and finer VGG19) match the layer's content " \
  "and the style image's textures, on a Vulkan device.  It takes seconds " \
  "on a GPU and minutes on the CPU driver (lavapipe); the progress bar " \
  "names the device and the time left, and Cancel leaves the image as " \
  "it was.\n\n" \
  "Limits: RGB and grayscale images only.  Indexed images are not " \
  "offered: a palette of a few colours cannot hold the new shades; " \
  "convert with Image > Mode > RGB first.  Alpha is kept exactly as it " \
  "was; colours hidden under full transparency are ignored.  Large " \
  "layers need device memory: the filter says how much before it starts; " \
  "select a smaller part or lower the working size.  The network's " \
  "weights must be installed (see the README)."

#define NS_TYPE_GIMP_PLUG_IN (ns_gimp_plug_in_get_type ())
G_DECLARE_FINAL_TYPE (NsGimpPlugIn, ns_gimp_plug_in, NS, GIMP_PLUG_IN,
                      GimpPlugIn)

struct _NsGimpPlugIn
{
  GimpPlugIn parent_instance;
};

G_DEFINE_TYPE (NsGimpPlugIn, ns_gimp_plug_in, GIMP_TYPE_PLUG_IN)

GIMP_MAIN (NS_TYPE_GIMP_PLUG_IN)

/* What a user can do about each kind of failure, appended to the message. */
static const struct
{
  NsErrorCode code;
  const char *hint;
} ns_gimp_error_hints[] = {
  { NS_ERROR_NO_DEVICE,
    "Install a Vulkan driver for the graphics card, or Mesa's CPU driver "
    "(Debian and Ubuntu: sudo apt install mesa-vulkan-drivers), then try "
    "again." },
  { NS_ERROR_WEIGHTS,
    "Install the network's weights as the README's \"Weights\" section "
    "says, or point the weights-file argument (or NEURAL_STYLE_WEIGHTS) at "
    "them." },
  { NS_ERROR_OUT_OF_MEMORY,
    "Select a smaller part of the layer, lower the working size (size), "
    "or choose SqueezeNet." },
  { NS_ERROR_DEVICE_LOST,
    "The image is unchanged.  Lower the working size or choose another "
    "device." },
};

static GError *
ns_gimp_error_with_hint (GError *error)
{
  if (error->domain != NS_ERROR)
    return error;
  for (guint i = 0; i < G_N_ELEMENTS (ns_gimp_error_hints); i++)
    if (error->code == (gint) ns_gimp_error_hints[i].code)
      {
        char *message = g_strdup_printf ("%s\n%s", error->message,
                                         ns_gimp_error_hints[i].hint);

        g_free (error->message);
        error->message = message;
      }
  return error;
}

static gboolean
ns_gimp_dialog (GimpProcedure       *procedure,
                GimpProcedureConfig *config)
{
  GtkWidget *dialog;
  GtkWidget *intro;
  gboolean   run;

  gimp_ui_init (NS_GIMP_BINARY);
  dialog = gimp_procedure_dialog_new (procedure, config, "Neural Style");

  gimp_procedure_dialog_fill_box (GIMP_PROCEDURE_DIALOG (dialog),
                                  "advanced-box",
                                  "content-weight", "style-weight",
                                  "tv-weight", "iterations", "size",
                                  "stages", "style-scale",
                                  "preserve-colors", "init", "init-blend",
                                  "seed", "device", "weights-file", NULL);
  gimp_procedure_dialog_get_label (GIMP_PROCEDURE_DIALOG (dialog),
                                   "advanced-label", "_Advanced", FALSE,
                                   TRUE);
  gimp_procedure_dialog_fill_expander (GIMP_PROCEDURE_DIALOG (dialog),
                                       "advanced-expander", "advanced-label",
                                       FALSE, "advanced-box");
  intro = gimp_procedure_dialog_get_label (GIMP_PROCEDURE_DIALOG (dialog),
                                   "intro",
                                   "Repaints the layer, or the selection, in "
                                   "the style of a painting and adds the "
                                   "result as a new layer. Seconds on a GPU, "
                                   "minutes on the CPU.", FALSE, FALSE);
  gtk_label_set_line_wrap (GTK_LABEL (intro), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (intro), 48);
  gtk_label_set_xalign (GTK_LABEL (intro), 0.0);
  gimp_procedure_dialog_get_scale_entry (GIMP_PROCEDURE_DIALOG (dialog),
                                         "strength", 1.0);
  gimp_procedure_dialog_fill (GIMP_PROCEDURE_DIALOG (dialog),
                              "intro", "style-file", "style-layer", "net",
                              "strength", "advanced-expander", NULL);

  run = gimp_procedure_dialog_run (GIMP_PROCEDURE_DIALOG (dialog));
  gtk_widget_destroy (dialog);
  return run;
}

/* The one drawable to work on, or why not. */
static GimpDrawable *
ns_gimp_pick_drawable (GimpDrawable **drawables,
                       GError       **error)
{
  if (drawables == NULL || drawables[0] == NULL || drawables[1] != NULL)
    {
      g_set_error_literal (error, NS_ERROR, NS_ERROR_BAD_INPUT,
                           "Neural Style works on exactly one layer: "
                           "select one.");
      return NULL;
    }
  if (! GIMP_IS_LAYER (drawables[0]))
    {
      g_set_error_literal (error, NS_ERROR, NS_ERROR_BAD_INPUT,
                           "Neural Style works on layers, not on channels "
                           "or masks: select a layer.");
      return NULL;
    }
  if (gimp_drawable_is_indexed (drawables[0]))
    {
      g_set_error_literal (error, NS_ERROR, NS_ERROR_BAD_INPUT,
                           "Neural Style works on RGB and grayscale images, "
                           "not indexed ones: a palette of a few colours "
                           "cannot hold the new shades.  Convert the image "
                           "with Image > Mode > RGB first.");
      return NULL;
    }
  return drawables[0];
}

/* Reads the pixels, runs the engine, adds the layer: everything between
 * the arguments and the result. */
static GimpLayer *
ns_gimp_apply (GimpImage           *image,
               GimpDrawable        *drawable,
               const NsGimpSettings *settings,
               GError             **error)
{
  GeglRectangle target, context;
  NsGimpPixels  source = { 0 };
  NsImage       content = { 0 }, style = { 0 }, result = { 0 };
  GimpLayer    *layer = NULL;

  if (! ns_gimp_region_find (drawable, &target, &context, error) ||
      ! ns_gimp_style_load (settings, &style, error))
    return NULL;

  ns_gimp_pixels_read (drawable, &context, &source);
  ns_gimp_pixels_to_image (&source, &content);

  gimp_progress_init ("Neural Style");
  if (ns_gimp_job_run (settings, &content, &style, &result, error))
    layer = ns_gimp_layer_insert (image, drawable, &source, &target,
                                  &result, error);
  gimp_progress_end ();

  ns_gimp_pixels_clear (&source);
  g_free (content.pixels);
  g_free (style.pixels);
  g_free (result.pixels);
  return layer;
}

static GimpValueArray *
ns_gimp_run (GimpProcedure        *procedure,
             GimpRunMode           run_mode,
             GimpImage            *image,
             GimpDrawable        **drawables,
             GimpProcedureConfig  *config,
             gpointer              run_data)
{
  NsGimpSettings  settings = { 0 };
  GimpDrawable   *drawable;
  GimpLayer      *layer = NULL;
  GimpValueArray *values;
  GError         *error = NULL;

  gegl_init (NULL, NULL);
  drawable = ns_gimp_pick_drawable (drawables, &error);
  if (drawable != NULL && run_mode == GIMP_RUN_INTERACTIVE &&
      ! ns_gimp_dialog (procedure, config))
    return gimp_procedure_new_return_values (procedure, GIMP_PDB_CANCEL,
                                             NULL);

  if (drawable != NULL && ns_gimp_settings_read (&settings, config, &error))
    layer = ns_gimp_apply (image, drawable, &settings, &error);
  ns_gimp_settings_clear (&settings);

  if (layer == NULL)
    {
      if (g_error_matches (error, NS_ERROR, NS_ERROR_CANCELLED))
        return gimp_procedure_new_return_values (procedure, GIMP_PDB_CANCEL,
                                                 error);
      error = ns_gimp_error_with_hint (error);
      return gimp_procedure_new_return_values (procedure,
                                               GIMP_PDB_EXECUTION_ERROR,
                                               error);
    }

  if (run_mode != GIMP_RUN_NONINTERACTIVE)
    gimp_displays_flush ();
  values = gimp_procedure_new_return_values (procedure, GIMP_PDB_SUCCESS,
                                             NULL);
  GIMP_VALUES_SET_LAYER (values, 1, layer);
  return values;
}

static GimpProcedure *
ns_gimp_create_procedure (GimpPlugIn  *plug_in,
                          const gchar *name)
{
  GimpProcedure *procedure;

  if (strcmp (name, NS_GIMP_PROCEDURE) != 0)
    return NULL;

  procedure = gimp_image_procedure_new (plug_in, name,
                                        GIMP_PDB_PROC_TYPE_PLUGIN,
                                        ns_gimp_run, NULL, NULL);
  gimp_procedure_set_image_types (procedure, "RGB*, GRAY*");
  gimp_procedure_set_sensitivity_mask (procedure,
                                       GIMP_PROCEDURE_SENSITIVE_DRAWABLE);
  gimp_procedure_set_menu_label (procedure, "Neural Style...");
  gimp_procedure_add_menu_path (procedure, "<Image>/Filters/Artistic");
  gimp_procedure_set_documentation (procedure,
                                    "Repaint a layer in the style of a "
                                    "painting (neural style transfer)",
                                    NS_GIMP_HELP, name);
  gimp_procedure_set_attribution (procedure, "The Neural Style authors",
                                  "The Neural Style authors", "2025");

  ns_gimp_args_add (procedure);
  gimp_procedure_add_layer_return_value (procedure, "layer", "Layer",
                                         "The new layer", FALSE,
                                         G_PARAM_READWRITE);
  return procedure;
}

static GList *
ns_gimp_query_procedures (GimpPlugIn *plug_in)
{
  return g_list_append (NULL, g_strdup (NS_GIMP_PROCEDURE));
}

/* No message catalogs: the plug-in speaks English. */
static gboolean
ns_gimp_set_i18n (GimpPlugIn   *plug_in,
                  const gchar  *procedure_name,
                  gchar       **gettext_domain,
                  gchar       **catalog_dir)
{
  return FALSE;
}

static void
ns_gimp_plug_in_class_init (NsGimpPlugInClass *klass)
{
  GimpPlugInClass *plug_in_class = GIMP_PLUG_IN_CLASS (klass);

  plug_in_class->query_procedures = ns_gimp_query_procedures;
  plug_in_class->create_procedure = ns_gimp_create_procedure;
  plug_in_class->set_i18n = ns_gimp_set_i18n;
}

static void
ns_gimp_plug_in_init (NsGimpPlugIn *plug_in)
{
}
