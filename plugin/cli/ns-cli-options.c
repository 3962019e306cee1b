/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The command line: GOption entries, number parsing, and every check that
 * needs no file and no device. */
#include "ns-cli.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

_Static_assert (sizeof (guint) == sizeof (guint32),
                "whole-number options are stored as guint32");

typedef enum
{
  NUMBER_WHOLE,  /* guint in NsParams, 0 .. 2^32 - 1 */
  NUMBER_REAL,   /* float in NsParams, finite */
} NumberKind;

typedef struct
{
  const char *name;
  const char *arg;
  const char *help;
  NumberKind  kind;
  gsize       offset;  /* of the field in NsParams */
} NumberOption;

static const NumberOption number_options[] =
{
  { "iterations", "N",
    "Optimisation steps at the first stage; each larger stage takes half",
    NUMBER_WHOLE, offsetof (NsParams, iterations) },
  { "size", "N",
    "Working size: long side, pixels (the result is scaled up to the "
    "content's size, so a small one looks soft); 0: the content's",
    NUMBER_WHOLE, offsetof (NsParams, size) },
  { "stages", "N", "Coarse-to-fine stages, each twice the last's size",
    NUMBER_WHOLE, offsetof (NsParams, n_stages) },
  { "style-scale", "F",
    "Style size relative to the working size (larger: larger brush strokes)",
    NUMBER_REAL, offsetof (NsParams, style_scale) },
  { "content-weight", "F",
    "Weight of the content loss (more: more of the photograph)", NUMBER_REAL,
    offsetof (NsParams, content_weight) },
  { "style-weight", "F",
    "Weight of the style loss (more: more of the painting)", NUMBER_REAL,
    offsetof (NsParams, style_weight) },
  { "tv-weight", "F",
    "Weight of the smoothness (total variation) loss (more: less speckle, "
    "softer)", NUMBER_REAL, offsetof (NsParams, tv_weight) },
  { "init-blend", "F", "With --init blend: content share, 0..1",
    NUMBER_REAL, offsetof (NsParams, init_blend) },
  { "learning-rate", "F",
    "How far each step moves the pixels (Adam, pixels in 0..1)", NUMBER_REAL,
    offsetof (NsParams, learning_rate) },
  { "seed", "N", "With --init noise or blend: seed of the noise",
    NUMBER_WHOLE, offsetof (NsParams, seed) },
};

#define N_NUMBER_OPTIONS G_N_ELEMENTS (number_options)

static const struct
{
  const char *name;
  NsInit      init;
} init_names[] =
{
  { "content", NS_INIT_CONTENT },
  { "noise",   NS_INIT_NOISE   },
  { "blend",   NS_INIT_BLEND   },
};

static const char *const net_names[] = { "squeezenet", "vgg19" };

/* What GOption fills in, before it is checked. */
typedef struct
{
  char    **content;   /* the arguments left over */
  char     *numbers[N_NUMBER_OPTIONS];
  char     *init;
  char     *blend;
  gboolean  preserve_colors;
} RawOptions;

static const char summary[] =
  "Repaints CONTENT in the manner of the STYLE images (Gatys et al.), on a\n"
  "Vulkan device, and writes the result, of exactly CONTENT's size, to\n"
  "OUTPUT. Alpha, gray and 16-bit precision are kept where OUTPUT's format\n"
  "allows.";

static const char description[] =
  "Output formats, by extension: .png .jpg .jpeg .tif .tiff .webp .exr\n"
  "\n"
  "Exit status: 0 done, 1 bad usage or input, 2 failure while running,\n"
  "130 interrupted (nothing is written then).\n"
  "\n"
  "Environment:\n"
  "  NEURAL_STYLE_WEIGHTS  a folder searched first for weights files\n"
  "  NEURAL_STYLE_DEVICE   the device used when --device is not given\n"
  "  NEURAL_STYLE_MEMORY_LIMIT_MB  the device memory to plan with, MiB\n"
  "\n"
  "Example:\n"
  "  neural-style photo.jpg -s starry_night.jpg -o photo-starry.png "
  "--size 512\n";

static char *
number_format (const NumberOption *option,
               const NsParams     *params)
{
  const char *field = (const char *) params + option->offset;
  guint       whole;
  float       real;

  if (option->kind == NUMBER_WHOLE)
    {
      memcpy (&whole, field, sizeof whole);
      return g_strdup_printf ("%u", whole);
    }
  memcpy (&real, field, sizeof real);
  return g_strdup_printf ("%g", real);
}

/* "HELP [default X]", or "[default X; vgg19: Y]" where the nets differ. */
static char *
number_help (const NumberOption *option)
{
  NsParams squeezenet, vgg19;
  char    *a, *b, *help;

  ns_params_init_defaults (&squeezenet, "squeezenet");
  ns_params_init_defaults (&vgg19, "vgg19");
  a = number_format (option, &squeezenet);
  b = number_format (option, &vgg19);
  if (strcmp (a, b) == 0)
    help = g_strdup_printf ("%s [default %s]", option->help, a);
  else
    help = g_strdup_printf ("%s [default %s; vgg19: %s]", option->help, a, b);
  g_free (a);
  g_free (b);
  return help;
}

static GOptionEntry *
entries_new (NsCliOptions *options,
             RawOptions   *raw,
             GPtrArray    *strings)
{
  const GOptionEntry fixed[] =
  {
    { "style", 's', 0, G_OPTION_ARG_FILENAME_ARRAY, &options->styles,
      "A style image; repeat for up to 8", "STYLE" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &options->output,
      "Where to write the result", "OUTPUT" },
    { "net", 0, 0, G_OPTION_ARG_STRING, &options->net,
      "squeezenet (fast) or vgg19 (slow, richer) [default squeezenet]",
      "NET" },
    { "weights", 0, 0, G_OPTION_ARG_FILENAME, &options->weights,
      "The network's weights [default: searched for in "
      "NEURAL_STYLE_WEIGHTS and the data folders]", "FILE" },
    { "style-blend", 0, 0, G_OPTION_ARG_STRING, &raw->blend,
      "One weight per style image [default: equal]", "W1,W2,..." },
    { "preserve-colors", 0, 0, G_OPTION_ARG_NONE, &raw->preserve_colors,
      "Keep the content's colours, take the style's texture", NULL },
    { "init", 0, 0, G_OPTION_ARG_STRING, &raw->init,
      "What the painting starts from: content, noise or blend (of the two) "
      "[default content]", "HOW" },
    { "device", 0, 0, G_OPTION_ARG_STRING, &options->device,
      "An index from --list-devices or part of a name",
      "NAME|INDEX" },
    { "list-devices", 0, 0, G_OPTION_ARG_NONE, &options->list_devices,
      "List the Vulkan devices and exit", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &options->quiet,
      "Print nothing but errors", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &raw->content,
      NULL, "CONTENT" },
  };
  GOptionEntry *entries = g_new0 (GOptionEntry,
                                  N_NUMBER_OPTIONS + G_N_ELEMENTS (fixed) + 1);
  guint         i;

  for (i = 0; i < N_NUMBER_OPTIONS; i++)
    {
      char *help = number_help (&number_options[i]);

      g_ptr_array_add (strings, help);
      entries[i] = (GOptionEntry) {
        number_options[i].name, 0, 0, G_OPTION_ARG_STRING,
        &raw->numbers[i], help, number_options[i].arg };
    }
  memcpy (entries + N_NUMBER_OPTIONS, fixed, sizeof fixed);
  return entries;
}

static gboolean
number_parse (const NumberOption *option,
              const char         *text,
              NsParams           *params,
              GError            **error)
{
  char   *field = (char *) params + option->offset;
  guint64 whole;
  double  real;
  char   *end;

  if (option->kind == NUMBER_WHOLE)
    {
      if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT32, &whole,
                                       NULL))
        goto bad;
      memcpy (field, &(guint) { (guint) whole }, sizeof (guint));
      return TRUE;
    }

  real = g_ascii_strtod (text, &end);
  if (text[0] == '\0' || *end != '\0' || !isfinite (real) ||
      fabs (real) > G_MAXFLOAT)
    goto bad;
  memcpy (field, &(float) { (float) real }, sizeof (float));
  return TRUE;

bad:
  g_set_error (error, NS_ERROR, NS_ERROR_BAD_INPUT,
               "--%s: '%s' is not %s", option->name, text,
               option->kind == NUMBER_WHOLE ? "a whole number from 0 up"
                                            : "a number");
  return FALSE;
}

/* --style-blend W1,W2,...: one finite weight >= 0 per style, sum > 0. */
static gboolean
blend_parse (NsCliOptions  *options,
             const char    *text,
             GError       **error)
{
  char  **parts = g_strsplit (text, ",", -1);
  guint   n = g_strv_length (parts), i;
  double  sum = 0.0;
  gboolean ok = n == options->n_styles;

  options->style_blend = g_new0 (float, MAX (n, 1));
  for (i = 0; ok && i < n; i++)
    {
      char  *end;
      double w = g_ascii_strtod (g_strstrip (parts[i]), &end);

      ok = parts[i][0] != '\0' && *end == '\0' && isfinite (w) && w >= 0.0;
      options->style_blend[i] = (float) w;
      sum += w;
    }
  g_strfreev (parts);

  if (!ok || sum <= 0.0)
    {
      g_set_error (error, NS_ERROR, NS_ERROR_BAD_INPUT,
                   "--style-blend: '%s' is not %u weights of 0 or more, "
                   "separated by commas, with a sum above 0", text,
                   options->n_styles);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_files (NsCliOptions  *options,
             RawOptions    *raw,
             GError       **error)
{
  guint n_content = raw->content ? g_strv_length (raw->content) : 0;

  options->n_styles = options->styles ? g_strv_length (options->styles) : 0;
  if (n_content != 1)
    g_set_error (error, NS_ERROR, NS_ERROR_BAD_INPUT, n_content == 0
                 ? "no content image given"
                 : "one content image expected, %u given (%s, %s...)",
                 n_content, n_content ? raw->content[0] : "",
                 n_content > 1 ? raw->content[1] : "");
  else if (options->n_styles == 0)
    g_set_error (error, NS_ERROR, NS_ERROR_BAD_INPUT,
                 "no style image given (-s STYLE)");
  else if (options->n_styles > NS_MAX_STYLES)
    g_set_error (error, NS_ERROR, NS_ERROR_BAD_INPUT,
                 "%u style images given, at most %d are allowed",
                 options->n_styles, NS_MAX_STYLES);
  else if (options->output == NULL)
    g_set_error (error, NS_ERROR, NS_ERROR_BAD_INPUT,
                 "no output file given (-o OUTPUT)");
  else
    {
      options->content = g_strdup (raw->content[0]);
      return TRUE;
    }
  return FALSE;
}

static gboolean
check_choice (const char  *option,
              const char  *value,
              const char  *const *names,
              guint        n_names,
              guint       *index,
              GError     **error)
{
  GString *list;
  guint    i;

  for (*index = 0; *index < n_names; (*index)++)
    if (strcmp (value, names[*index]) == 0)
      return TRUE;

  list = g_string_new (NULL);
  for (i = 0; i < n_names; i++)
    g_string_append_printf (list, "%s%s", i == 0 ? ""
                            : i + 1 == n_names ? " or " : ", ", names[i]);
  g_set_error (error, NS_ERROR, NS_ERROR_BAD_INPUT,
               "--%s: '%s' is not one of %s", option, value, list->str);
  g_string_free (list, TRUE);
  return FALSE;
}

static gboolean
check_params (NsCliOptions  *options,
              RawOptions    *raw,
              GError       **error)
{
  const char *inits[G_N_ELEMENTS (init_names)];
  guint       i, index;

  if (options->net != NULL &&
      !check_choice ("net", options->net, net_names,
                     G_N_ELEMENTS (net_names), &index, error))
    return FALSE;
  ns_params_init_defaults (&options->params, options->net);
  if (options->net != NULL)
    options->params.net = options->net;
  options->params.weights_path = options->weights;
  options->params.preserve_colors = raw->preserve_colors;

  for (i = 0; i < G_N_ELEMENTS (init_names); i++)
    inits[i] = init_names[i].name;
  if (raw->init != NULL)
    {
      if (!check_choice ("init", raw->init, inits, G_N_ELEMENTS (inits),
                         &index, error))
        return FALSE;
      options->params.init = init_names[index].init;
    }

  for (i = 0; i < N_NUMBER_OPTIONS; i++)
    if (raw->numbers[i] != NULL &&
        !number_parse (&number_options[i], raw->numbers[i],
                       &options->params, error))
      return FALSE;

  if (raw->blend != NULL && !blend_parse (options, raw->blend, error))
    return FALSE;

  return ns_params_validate (&options->params, error);
}

static void
raw_options_clear (RawOptions *raw)
{
  guint i;

  g_strfreev (raw->content);
  for (i = 0; i < N_NUMBER_OPTIONS; i++)
    g_free (raw->numbers[i]);
  g_free (raw->init);
  g_free (raw->blend);
}

gboolean
ns_cli_options_parse (NsCliOptions  *options,
                      int            argc,
                      char         **argv,
                      GError       **error)
{
  RawOptions      raw = { 0 };
  GPtrArray      *strings = g_ptr_array_new_with_free_func (g_free);
  GOptionContext *context;
  GOptionEntry   *entries;
  GError         *local = NULL;
  gboolean        ok;

  memset (options, 0, sizeof *options);
  context = g_option_context_new ("-s STYLE [-s STYLE...] -o OUTPUT");
  g_option_context_set_summary (context, summary);
  g_option_context_set_description (context, description);
  entries = entries_new (options, &raw, strings);
  g_option_context_add_main_entries (context, entries, NULL);

  ok = g_option_context_parse (context, &argc, &argv, &local);
  if (!ok)
    {
      g_set_error_literal (error, NS_ERROR, NS_ERROR_BAD_INPUT,
                           local->message);
      g_error_free (local);
    }
  else if (!options->list_devices)
    ok = check_files (options, &raw, error) &&
         check_params (options, &raw, error);

  raw_options_clear (&raw);
  g_option_context_free (context);
  g_free (entries);
  g_ptr_array_unref (strings);
  return ok;
}

void
ns_cli_options_clear (NsCliOptions *options)
{
  g_free (options->content);
  g_strfreev (options->styles);
  g_free (options->output);
  g_free (options->style_blend);
  g_free (options->device);
  g_free (options->net);
  g_free (options->weights);
  memset (options, 0, sizeof *options);
}
