/* SPDX-License-Identifier: GPL-3.0-or-later */
/* neural-style-convert: rewrites any weights file the engine accepts as a
 * compact safetensors file holding only the feature layers of the net. */
#include <stdio.h>
#include <stdlib.h>

#include "ns-net.h"
#include "ns-weights.h"

typedef struct
{
  char     *net_name;
  gboolean  f16;
  char    **files;
} Options;

static gboolean
parse_options (Options  *options,
               int      *argc,
               char   ***argv,
               GError  **error)
{
  const GOptionEntry entries[] =
  {
    { "net", 'n', 0, G_OPTION_ARG_STRING, &options->net_name,
      "The network: squeezenet or vgg19 (default: squeezenet for a .net "
      "file)", "NAME" },
    { "f16", 0, 0, G_OPTION_ARG_NONE, &options->f16,
      "Store 16-bit floats (half the size)", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &options->files,
      NULL, "IN OUT.safetensors" },
    { NULL }
  };
  GOptionContext *context = g_option_context_new ("IN OUT.safetensors");
  gboolean        ok;

  g_option_context_set_summary (context,
    "Converts a weights file (safetensors, or SqueezeNet's Deep Compression "
    ".net) into the compact safetensors file the filter loads fastest.");
  g_option_context_add_main_entries (context, entries, NULL);
  ok = g_option_context_parse (context, argc, argv, error);
  g_option_context_free (context);

  return ok;
}

/* The network named by --net, or guessed from the input's form. */
static const NsNet *
pick_net (const Options *options,
          GError       **error)
{
  const char  *name = options->net_name;
  const NsNet *net;

  if (name == NULL && g_str_has_suffix (options->files[0], ".net"))
    name = "squeezenet";
  if (name == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--net squeezenet or --net vgg19 is needed for %s",
                   options->files[0]);
      return NULL;
    }

  net = ns_net_find (name);
  if (net == NULL)
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 "Unknown network %s (squeezenet or vgg19)", name);

  return net;
}

static gboolean
convert (const Options *options,
         GError       **error)
{
  const NsNet *net = pick_net (options, error);
  NsWeights   *weights;
  gboolean     ok;

  if (net == NULL)
    return FALSE;

  weights = ns_weights_load (net, options->files[0], net->n_feature_layers,
                             error);
  if (weights == NULL)
    return FALSE;

  ok = ns_weights_save (weights, options->files[1],
                        options->f16 ? NS_WEIGHTS_F16 : NS_WEIGHTS_F32,
                        error);
  ns_weights_free (weights);

  return ok;
}

int
main (int    argc,
      char **argv)
{
  Options  options = { 0 };
  GError  *error = NULL;
  int      status = EXIT_SUCCESS;

  if (!parse_options (&options, &argc, &argv, &error))
    status = 2;
  else if (options.files == NULL || g_strv_length (options.files) != 2)
    {
      fprintf (stderr, "usage: neural-style-convert [--net NAME] [--f16] "
               "IN OUT.safetensors\n");
      status = 2;
    }
  else if (!convert (&options, &error))
    status = EXIT_FAILURE;

  if (error != NULL)
    {
      fprintf (stderr, "neural-style-convert: %s\n", error->message);
      g_error_free (error);
    }
  g_free (options.net_name);
  g_strfreev (options.files);

  return status;
}
