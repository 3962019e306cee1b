/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The run: every check first, then the optimisation in a worker thread
 * while the main loop waits for it or for a signal, then the result written
 * to a temporary file beside the output and renamed into place. */
#include "ns-cli.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gstdio.h>

#include "ns-image-io.h"
#include "ns-vk.h"

/* Milliseconds after a signal before leaving without the worker, should
 * the engine not stop as it promises to. */
#define GIVE_UP_DELAY 1500

static const char *const hints[] =
{
  [NS_ERROR_FAILED]        = "Please report this, with the command line, "
                             "if it happens again",
  [NS_ERROR_NO_DEVICE]     = "Install a Vulkan driver (for the CPU alone: "
                             "mesa-vulkan-drivers) or choose a device with "
                             "--device; see --list-devices",
  [NS_ERROR_UNSUPPORTED]   = "Choose another device with --device; see "
                             "--list-devices",
  [NS_ERROR_OUT_OF_MEMORY] = "Try a smaller --size, fewer style images or "
                             "--net squeezenet",
  [NS_ERROR_DEVICE_LOST]   = "The driver reset the device; try again, with "
                             "a smaller --size",
  [NS_ERROR_WEIGHTS]       = "Give the weights file with --weights FILE or "
                             "put it in the folder named by "
                             "NEURAL_STYLE_WEIGHTS",
  [NS_ERROR_CANCELLED]     = "Nothing was written",
  [NS_ERROR_BAD_INPUT]     = "See neural-style --help",
};

static const char input_hint[] =
  "Check the file; opening it in an image editor and saving it as PNG may "
  "help";
static const char output_hint[] =
  "Choose a folder you can write to and a name with a known image extension";

typedef struct
{
  const NsCliOptions *options;
  NsImageFile         content_file;
  NsImage             content;
  NsImage             styles[NS_MAX_STYLES];
  NsEngine           *engine;
  NsCliProgress       progress;
  GCancellable       *cancellable;
  GMainLoop          *loop;
  GMutex              save_lock;    /* held while the result is written */
  gboolean            abandoned;    /* the main thread stopped waiting */
  gboolean            interrupted;  /* a signal came */
  GError             *error;        /* the worker's */
} NsCliJob;

void
ns_cli_report (const GError *error,
               const char   *hint)
{
  int length = (int) strlen (error->message);

  while (length > 0 && strchr (".\n ", error->message[length - 1]) != NULL)
    length--;
  if (hint == NULL)
    hint = error->domain == NS_ERROR && error->code >= 0 &&
           (gsize) error->code < G_N_ELEMENTS (hints)
           ? hints[error->code] : hints[NS_ERROR_FAILED];

  fprintf (stderr, "neural-style: %.*s. %s.\n", length, error->message,
           hint);
}

static int
status_for (const GError *error)
{
  if (g_error_matches (error, NS_ERROR, NS_ERROR_CANCELLED))
    return NS_CLI_EXIT_INTERRUPTED;
  if (g_error_matches (error, NS_ERROR, NS_ERROR_BAD_INPUT))
    return NS_CLI_EXIT_USAGE;
  return NS_CLI_EXIT_FAILURE;
}

static int
devices_list (void)
{
  static const char *const kinds[] =
  {
    [VK_PHYSICAL_DEVICE_TYPE_OTHER]          = "other",
    [VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU] = "integrated GPU",
    [VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU]   = "discrete GPU",
    [VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU]    = "virtual GPU",
    [VK_PHYSICAL_DEVICE_TYPE_CPU]            = "CPU driver: slow",
  };
  GArray *devices;
  GError *error = NULL;
  guint   i;

  if (!ns_vk_list_devices (&devices, &error) || devices->len == 0)
    {
      if (error == NULL)
        error = g_error_new (NS_ERROR, NS_ERROR_NO_DEVICE,
                             "no Vulkan device found");
      ns_cli_report (error, NULL);
      g_error_free (error);
      if (devices != NULL)
        g_array_unref (devices);
      return NS_CLI_EXIT_FAILURE;
    }

  for (i = 0; i < devices->len; i++)
    {
      const NsVkDeviceInfo *d = &g_array_index (devices, NsVkDeviceInfo, i);
      guint kind = (guint) d->type < G_N_ELEMENTS (kinds) ? d->type : 0;

      printf ("%u: %s (%s, Vulkan %u.%u, %" G_GUINT64_FORMAT " MiB)%s\n",
              i, d->name, kinds[kind], VK_API_VERSION_MAJOR (d->api_version),
              VK_API_VERSION_MINOR (d->api_version),
              (guint64) d->heap_size >> 20,
              d->usable ? "" : " unusable: needs Vulkan 1.1 compute with "
                               "subgroup broadcast");
    }
  g_array_unref (devices);
  return NS_CLI_EXIT_OK;
}

/* Creates an empty file beside @path, named ".NAME-XXXXXX.EXT" so that the
 * extension still names the format; returns its name. */
static char *
temp_file_new (const char   *path,
               NsErrorCode   code,
               GError      **error)
{
  char       *dir  = g_path_get_dirname (path);
  char       *base = g_path_get_basename (path);
  const char *dot  = strrchr (base, '.');
  char       *name, *temp;
  int         fd;

  name = g_strdup_printf (".%.*s-XXXXXX%s", (int) (dot ? dot - base : 0),
                          base, dot ? dot : "");
  temp = g_build_filename (dir, name, NULL);
  fd = g_mkstemp_full (temp, O_RDWR | O_CLOEXEC, 0666);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, NS_ERROR, code, "cannot write '%s': %s", path,
                   g_strerror (saved));
      g_clear_pointer (&temp, g_free);
    }
  else
    close (fd);

  g_free (dir);
  g_free (base);
  g_free (name);
  return temp;
}

/* The output's format is known and its folder takes a new file. */
static gboolean
output_check (const char  *output,
              GError     **error)
{
  char *temp;

  if (g_file_test (output, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, NS_ERROR, NS_ERROR_BAD_INPUT,
                   "the output '%s' is a folder", output);
      return FALSE;
    }
  if (ns_image_io_find_saver (output, error) == NULL)
    return FALSE;

  temp = temp_file_new (output, NS_ERROR_BAD_INPUT, error);
  if (temp == NULL)
    return FALSE;
  g_unlink (temp);
  g_free (temp);
  return TRUE;
}

static gboolean
job_load_inputs (NsCliJob  *job,
                 GError   **error)
{
  const NsCliOptions *options = job->options;
  guint               i;

  if (!ns_image_file_load (&job->content_file, options->content, error) ||
      !ns_image_file_get_rgb (&job->content_file, &job->content, error))
    return FALSE;

  for (i = 0; i < options->n_styles; i++)
    {
      NsImageFile style;
      gboolean    ok;

      ok = ns_image_file_load (&style, options->styles[i], error) &&
           ns_image_file_get_rgb (&style, &job->styles[i], error);
      ns_image_file_clear (&style);
      if (!ok)
        return FALSE;
    }
  return TRUE;
}

static gboolean
job_prepare_engine (NsCliJob  *job,
                    GError   **error)
{
  const NsCliOptions *options = job->options;
  guint64             bytes = 0;

  job->engine = ns_engine_new (options->device, error);
  if (job->engine == NULL ||
      !ns_engine_prepare (job->engine, &options->params, job->content.width,
                          job->content.height, &bytes, error))
    return FALSE;

  if (!options->quiet)
    fprintf (stderr, "neural-style: %s on %s%s, %" G_GUINT64_FORMAT
             " MiB of device memory\n", options->params.net,
             ns_engine_get_device_name (job->engine),
             ns_engine_is_cpu (job->engine)
             ? " (a CPU driver: expect minutes, not seconds)" : "",
             (bytes + (1 << 20) - 1) >> 20);
  return TRUE;
}

/* In the worker: writes the result unless the run was interrupted, under
 * the lock so that the main thread never leaves while a file is open. */
static gboolean
job_save (NsCliJob       *job,
          const NsImage  *result,
          GError        **error)
{
  const char *output = job->options->output;
  char       *temp = NULL;
  gboolean    ok;

  g_mutex_lock (&job->save_lock);
  ok = !g_cancellable_is_cancelled (job->cancellable) &&
       (temp = temp_file_new (output, NS_ERROR_FAILED, error)) != NULL &&
       ns_image_io_save (temp, result, &job->content_file, error);

  if (ok && g_rename (temp, output) != 0)
    {
      int saved = errno;

      g_set_error (error, NS_ERROR, NS_ERROR_FAILED, "cannot rename '%s' to "
                   "'%s': %s", temp, output, g_strerror (saved));
      ok = FALSE;
    }
  if (!ok && temp != NULL)
    g_unlink (temp);
  if (!ok && error != NULL && *error == NULL)
    g_set_error (error, NS_ERROR, NS_ERROR_CANCELLED, "interrupted");
  g_mutex_unlock (&job->save_lock);

  g_free (temp);
  return ok;
}

static gboolean
job_done (gpointer data)
{
  NsCliJob *job = data;

  g_main_loop_quit (job->loop);
  return G_SOURCE_REMOVE;
}

static gpointer
job_work (gpointer data)
{
  NsCliJob           *job = data;
  const NsCliOptions *options = job->options;
  NsImage             result = { 0 };

  if (ns_engine_run (job->engine, &options->params, &job->content,
                     job->styles, options->style_blend, options->n_styles,
                     ns_cli_progress_update, &job->progress,
                     job->cancellable, &result, &job->error))
    job_save (job, &result, &job->error);

  g_free (result.pixels);
  g_idle_add (job_done, job);
  return NULL;
}

static gboolean
job_give_up (gpointer data)
{
  NsCliJob *job = data;

  /* A worker writing the result removes its own file when it sees the
   * cancellation; wait for it. */
  if (!g_mutex_trylock (&job->save_lock))
    return G_SOURCE_CONTINUE;
  job->abandoned = TRUE;
  g_mutex_unlock (&job->save_lock);
  g_main_loop_quit (job->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
job_on_signal (gpointer data)
{
  NsCliJob *job = data;

  if (job->interrupted)
    job_give_up (job);
  else
    {
      job->interrupted = TRUE;
      g_cancellable_cancel (job->cancellable);
      g_timeout_add (GIVE_UP_DELAY, job_give_up, job);
    }
  return G_SOURCE_CONTINUE;
}

/* Runs the engine in a worker thread; FALSE when the worker was left
 * behind, still running. */
static gboolean
job_run (NsCliJob *job)
{
  guint    sources[2];
  GThread *worker;

  job->cancellable = g_cancellable_new ();
  job->loop = g_main_loop_new (NULL, FALSE);
  sources[0] = g_unix_signal_add (SIGINT, job_on_signal, job);
  sources[1] = g_unix_signal_add (SIGTERM, job_on_signal, job);

  worker = g_thread_new ("neural-style-engine", job_work, job);
  g_main_loop_run (job->loop);
  g_source_remove (sources[0]);
  g_source_remove (sources[1]);
  if (job->abandoned)
    return FALSE;

  g_thread_join (worker);
  ns_cli_progress_end (&job->progress);
  return TRUE;
}

static void
job_clear (NsCliJob *job)
{
  guint i;

  for (i = 0; i < NS_MAX_STYLES; i++)
    g_free (job->styles[i].pixels);
  g_free (job->content.pixels);
  ns_image_file_clear (&job->content_file);
  g_clear_pointer (&job->engine, ns_engine_free);
  g_clear_object (&job->cancellable);
  g_clear_pointer (&job->loop, g_main_loop_unref);
  g_mutex_clear (&job->save_lock);
  g_clear_error (&job->error);
}

static int
job_main (const NsCliOptions *options,
          gint64              start)
{
  NsCliJob job = { .options = options };
  GError  *error = NULL;
  int      status = NS_CLI_EXIT_OK;

  g_mutex_init (&job.save_lock);
  ns_cli_progress_init (&job.progress, options->quiet
                        ? NS_CLI_PROGRESS_NONE
                        : isatty (STDERR_FILENO) ? NS_CLI_PROGRESS_BAR
                                                 : NS_CLI_PROGRESS_LINES);

  if (!output_check (options->output, &error))
    ns_cli_report (error, output_hint);
  else if (!job_load_inputs (&job, &error))
    ns_cli_report (error, input_hint);
  else if (!job_prepare_engine (&job, &error))
    ns_cli_report (error, NULL);
  else if (!job_run (&job))
    {
      /* The engine ignored the cancellation: leave without it, and without
       * the clean-up that could pull the device from under it. */
      fprintf (stderr, "neural-style: interrupted; the engine did not stop "
               "in time. Nothing was written.\n");
      fflush (stdout);
      _exit (NS_CLI_EXIT_INTERRUPTED);
    }
  else if (job.error != NULL)
    {
      ns_cli_report (job.error, NULL);
      status = status_for (job.error);
    }
  else if (!options->quiet)
    printf ("Wrote %s (%ux%u) in %.1f s.\n", options->output,
            job.content.width, job.content.height,
            (g_get_monotonic_time () - start) / 1e6);

  if (error != NULL)
    status = status_for (error);
  g_clear_error (&error);
  job_clear (&job);
  return status;
}

int
ns_cli_main (int    argc,
             char **argv)
{
  gint64       start = g_get_monotonic_time ();
  NsCliOptions options;
  GError      *error = NULL;
  int          status;

  setlocale (LC_ALL, "");
  g_set_prgname ("neural-style");

  if (!ns_cli_options_parse (&options, argc, argv, &error))
    {
      ns_cli_report (error, "Run 'neural-style --help' for the options");
      status = NS_CLI_EXIT_USAGE;
      g_error_free (error);
    }
  else if (options.list_devices)
    status = devices_list ();
  else
    {
      gegl_init (NULL, NULL);
      status = job_main (&options, start);
      gegl_exit ();
    }

  ns_cli_options_clear (&options);
  return status;
}
