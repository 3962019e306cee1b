/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The procedure's arguments, declared once, and their mapping to NsParams. */
#include <math.h>
#include <string.h>

#include "ns-gimp.h"

/* A numeric argument.  For the weights, -1 means "the default" (that of
 * ns_params_init_defaults); for the counts and the scale, 0 does. */
typedef struct
{
  const char *name;
  const char *nick;
  const char *blurb;
  gboolean    is_int;
  double      min;
  double      max;
  double      value;
} NsGimpNumberArg;

static const NsGimpNumberArg ns_gimp_number_args[] = {
  { "strength", "S_trength",
    "Balance of style against content, 0..1: the style weight is "
    "multiplied by 100^(2 strength - 1), so 0.5 keeps the network's "
    "balance, 0 shows mostly the content, 1 mostly the style",
    FALSE, 0.0, 1.0, 0.5 },
  { "content-weight", "Content _weight",
    "Weight of the content loss; -1: the default",
    FALSE, -1.0, 1e9, -1.0 },
  { "style-weight", "Style wei_ght",
    "Weight of the style loss before the strength is applied; -1: the "
    "default",
    FALSE, -1.0, 1e12, -1.0 },
  { "tv-weight", "S_moothness weight",
    "Weight of the total-variation loss (removes speckle); 0: none; -1: "
    "the default",
    FALSE, -1.0, 1e9, -1.0 },
  { "iterations", "It_erations",
    "Optimisation steps at the first, smallest stage; each larger stage "
    "takes half as many; 0: the network's default",
    TRUE, 0, 100000, 0 },
  { "size", "Wor_king size",
    "Long side of the working size in pixels, never above the layer's "
    "(larger takes longer and needs more memory); 0: the layer's own size",
    TRUE, 0, 65536, 512 },
  { "stages", "Coarse-to-fine _passes",
    "Coarse-to-fine stages, each twice the size of the one before; 0: the "
    "network's default",
    TRUE, 0, NS_MAX_STAGES, 0 },
  { "style-scale", "Style si_ze",
    "Size of the style image relative to the working size (larger: larger "
    "brush strokes); 0: the default",
    FALSE, 0.0, 8.0, 0.0 },
  { "seed", "See_d",
    "Seed of the noise that the noise and blend starts draw; the same "
    "seed gives the same result",
    TRUE, 0, G_MAXINT, 0 },
};

static void
ns_gimp_args_add_numbers (GimpProcedure *procedure)
{
  for (guint i = 0; i < G_N_ELEMENTS (ns_gimp_number_args); i++)
    {
      const NsGimpNumberArg *a = &ns_gimp_number_args[i];

      if (a->is_int)
        gimp_procedure_add_int_argument (procedure, a->name, a->nick,
                                         a->blurb, (gint) a->min,
                                         (gint) a->max, (gint) a->value,
                                         G_PARAM_READWRITE);
      else
        gimp_procedure_add_double_argument (procedure, a->name, a->nick,
                                            a->blurb, a->min, a->max,
                                            a->value, G_PARAM_READWRITE);
    }
}

void
ns_gimp_args_add (GimpProcedure *procedure)
{
  gimp_procedure_add_file_argument (procedure, "style-file", "Style _image",
                                    "The painting whose style is copied: "
                                    "any image file GIMP opens",
                                    GIMP_FILE_CHOOSER_ACTION_OPEN, TRUE,
                                    NULL, G_PARAM_READWRITE);
  gimp_procedure_add_drawable_argument (procedure, "style-layer",
                                        "Or a style la_yer",
                                        "A layer of any open image, used "
                                        "instead of the style file when set",
                                        TRUE, G_PARAM_READWRITE);
  gimp_procedure_add_choice_argument (procedure, "net", "_Network",
                                      "The network whose features define "
                                      "style and content",
                                      gimp_choice_new_with_values (
                                        "squeezenet", 0, "SqueezeNet (fast)",
                                        NULL,
                                        "vgg19", 1, "VGG19 (best, slow)",
                                        NULL,
                                        NULL),
                                      "squeezenet", G_PARAM_READWRITE);
  ns_gimp_args_add_numbers (procedure);
  gimp_procedure_add_boolean_argument (procedure, "preserve-colors",
                                       "Keep colo_urs",
                                       "Keep the content's colours and "
                                       "transfer only the style's texture",
                                       FALSE, G_PARAM_READWRITE);
  gimp_procedure_add_string_argument (procedure, "device", "De_vice",
                                      "Vulkan device: an index or part of "
                                      "its name; empty: a GPU before the "
                                      "CPU driver",
                                      "", G_PARAM_READWRITE);
  gimp_procedure_add_file_argument (procedure, "weights-file",
                                    "Weights _file",
                                    "The network's weights; empty: search "
                                    "NEURAL_STYLE_WEIGHTS and the data "
                                    "folders",
                                    GIMP_FILE_CHOOSER_ACTION_OPEN, TRUE,
                                    NULL, G_PARAM_READWRITE);
  /* Added after the others, so that calls by position keep working. */
  gimp_procedure_add_choice_argument (procedure, "init", "Sta_rt from",
                                      "What the painting starts from: the "
                                      "layer itself, noise drawn from the "
                                      "seed (the layer's shapes emerge "
                                      "from it), or a blend of the two",
                                      gimp_choice_new_with_values (
                                        "content", NS_INIT_CONTENT,
                                        "The layer", NULL,
                                        "noise", NS_INIT_NOISE,
                                        "Noise", NULL,
                                        "blend", NS_INIT_BLEND,
                                        "The layer and noise", NULL,
                                        NULL),
                                      "content", G_PARAM_READWRITE);
  gimp_procedure_add_double_argument (procedure, "init-blend",
                                      "_Layer's share",
                                      "With init blend: the layer's share "
                                      "of the start, 0..1 (the rest is "
                                      "noise)",
                                      0.0, 1.0, 0.5, G_PARAM_READWRITE);
}

/* Reads one numeric argument as a double, whatever its type. */
static double
ns_gimp_config_number (GimpProcedureConfig   *config,
                       const NsGimpNumberArg *arg)
{
  gint    i;
  gdouble d;

  if (! arg->is_int)
    {
      g_object_get (config, arg->name, &d, NULL);
      return d;
    }
  g_object_get (config, arg->name, &i, NULL);
  return i;
}

static double
ns_gimp_config_get (GimpProcedureConfig *config,
                    const char          *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (ns_gimp_number_args); i++)
    if (strcmp (ns_gimp_number_args[i].name, name) == 0)
      return ns_gimp_config_number (config, &ns_gimp_number_args[i]);
  g_return_val_if_reached (0.0);
}

/* Replaces *value by @arg unless @arg is the "default" value @unset. */
static void
ns_gimp_override (float  *value,
                  double  arg,
                  double  unset)
{
  if (arg != unset)
    *value = (float) arg;
}

static void
ns_gimp_override_count (guint  *value,
                        double  arg)
{
  if (arg != 0.0)
    *value = (guint) arg;
}

static void
ns_gimp_settings_map_numbers (NsGimpSettings      *s,
                              GimpProcedureConfig *config)
{
  NsParams *p = &s->params;
  double    strength;

  ns_gimp_override (&p->content_weight,
                    ns_gimp_config_get (config, "content-weight"), -1.0);
  ns_gimp_override (&p->style_weight,
                    ns_gimp_config_get (config, "style-weight"), -1.0);
  ns_gimp_override (&p->tv_weight,
                    ns_gimp_config_get (config, "tv-weight"), -1.0);
  ns_gimp_override (&p->style_scale,
                    ns_gimp_config_get (config, "style-scale"), 0.0);
  ns_gimp_override_count (&p->iterations,
                          ns_gimp_config_get (config, "iterations"));
  ns_gimp_override_count (&p->n_stages,
                          ns_gimp_config_get (config, "stages"));
  p->size = (guint) ns_gimp_config_get (config, "size");
  p->seed = (guint32) ns_gimp_config_get (config, "seed");

  /* strength 0..1 -> style weight factor 0.01..100, 1 at 0.5. */
  strength = ns_gimp_config_get (config, "strength");
  p->style_weight *= (float) pow (100.0, 2.0 * strength - 1.0);
}

/* An empty string or a missing file means "not given": NULL. */
static char *
ns_gimp_nonempty (char *text)
{
  if (text != NULL && *text == '\0')
    g_clear_pointer (&text, g_free);
  return text;
}

gboolean
ns_gimp_settings_read (NsGimpSettings       *s,
                       GimpProcedureConfig  *config,
                       GError              **error)
{
  GFile   *weights = NULL;
  gboolean preserve_colors;
  gdouble  init_blend;

  memset (s, 0, sizeof *s);
  g_object_get (config,
                "net",             &s->net,
                "device",          &s->device,
                "style-file",      &s->style_file,
                "style-layer",     &s->style_layer,
                "weights-file",    &weights,
                "preserve-colors", &preserve_colors,
                "init-blend",      &init_blend,
                NULL);
  s->device = ns_gimp_nonempty (s->device);
  if (weights != NULL)
    s->weights_path = ns_gimp_nonempty (g_file_get_path (weights));
  g_clear_object (&weights);

  ns_params_init_defaults (&s->params, s->net);
  s->params.net = s->net;
  s->params.weights_path = s->weights_path;
  s->params.preserve_colors = preserve_colors;
  s->params.init = (NsInit) gimp_procedure_config_get_choice_id (config,
                                                                 "init");
  s->params.init_blend = (float) init_blend;
  ns_gimp_settings_map_numbers (s, config);

  if (s->style_file == NULL && s->style_layer == NULL)
    {
      g_set_error_literal (error, NS_ERROR, NS_ERROR_BAD_INPUT,
                           "No style image: give a style file (argument "
                           "style-file) or a style layer (style-layer).");
      return FALSE;
    }
  return ns_params_validate (&s->params, error);
}

void
ns_gimp_settings_clear (NsGimpSettings *s)
{
  g_clear_pointer (&s->net, g_free);
  g_clear_pointer (&s->weights_path, g_free);
  g_clear_pointer (&s->device, g_free);
  g_clear_object (&s->style_file);
  g_clear_object (&s->style_layer);
}
