/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The command-line tool seen from outside: it is run on small images this
 * program writes with GEGL, and its exit status, messages and output files
 * are checked (cases C05, C06, C08, C20, C21, C23 of the shared cases, plus
 * alpha, 16-bit, gray and the output formats).
 *
 *   test-cli PROGRAM           the tool linked with the fake engine
 *   test-cli --real PROGRAM    the shipped tool, with the real engine */
#include <gegl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <string.h>

#define SKIP 77

static const char *program;
static gboolean    real_engine;
static char       *scratch;   /* a fresh folder for this run */
static guint       n_runs;
static int         n_failures;

#define CHECK(cond, ...)                                              \
  G_STMT_START {                                                      \
    if (!(cond))                                                      \
      {                                                               \
        n_failures++;                                                 \
        g_printerr ("FAIL (%s:%d) %s: ", __FILE__, __LINE__, #cond);  \
        g_printerr (__VA_ARGS__);                                     \
        g_printerr ("\n");                                            \
      }                                                               \
  } G_STMT_END

typedef struct
{
  char  *command;   /* for messages */
  int    status;    /* exit status, or 128 + signal */
  char  *out;
  char  *err;
  double seconds;
} Run;

static void
run_clear (Run *run)
{
  g_free (run->command);
  g_free (run->out);
  g_free (run->err);
}

/* The fake engine logs its entry points with g_debug, on stdout. */
static GSubprocessLauncher *
launcher_new (GSubprocessFlags flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);

  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "fake-engine",
                                TRUE);
  return launcher;
}

static int
status_of (GSubprocess *process)
{
  if (g_subprocess_get_if_signaled (process))
    return 128 + g_subprocess_get_term_sig (process);
  return g_subprocess_get_exit_status (process);
}

/* Runs the program with @args (NULL-terminated) and waits for it. */
static void
run_argv (Run               *run,
          const char *const *args)
{
  GPtrArray           *argv = g_ptr_array_new ();
  GSubprocessLauncher *launcher;
  GSubprocess         *process;
  GError              *error = NULL;
  gint64               start = g_get_monotonic_time ();

  g_ptr_array_add (argv, (char *) program);
  for (; *args != NULL; args++)
    g_ptr_array_add (argv, (char *) *args);
  g_ptr_array_add (argv, NULL);
  run->command = g_strjoinv (" ", (char **) argv->pdata);

  launcher = launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                           G_SUBPROCESS_FLAGS_STDERR_PIPE);
  process = g_subprocess_launcher_spawnv (launcher,
                                          (const char *const *) argv->pdata,
                                          &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &run->out, &run->err,
                                 &error);
  g_assert_no_error (error);
  run->status = status_of (process);
  run->seconds = (g_get_monotonic_time () - start) / 1e6;
  n_runs++;

  g_object_unref (process);
  g_object_unref (launcher);
  g_ptr_array_free (argv, TRUE);
}

#define RUN(run, ...) \
  run_argv ((run), (const char *const[]) { __VA_ARGS__, NULL })

/* Iterations and size that keep a run short on either engine. */
#define QUICK "--iterations", "2", "--size", "64"

static char *
scratch_path (const char *name)
{
  return g_build_filename (scratch, name, NULL);
}

/* A new empty folder for one run's output. */
static char *
folder_new (const char *name)
{
  char *path = scratch_path (name);

  g_assert (g_mkdir_with_parents (path, 0755) == 0);
  return path;
}

/* The names in @folder, sorted, joined by spaces ("" when empty). */
static char *
folder_list (const char *folder)
{
  GDir       *dir = g_dir_open (folder, 0, NULL);
  GPtrArray  *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  char       *joined;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  if (dir != NULL)
    g_dir_close (dir);
  g_ptr_array_sort_values (names, (GCompareFunc) g_strcmp0);
  g_ptr_array_add (names, NULL);
  joined = g_strjoinv (" ", (char **) names->pdata);
  g_ptr_array_unref (names);
  return joined;
}

/* Writes a @width x @height test image to @path in @format ("R'G'B'A u16",
 * "Y' u8"...): a gradient plus noise from a fixed seed; alpha, where there
 * is one, a ramp on the left half and 0 over random colour on the right. */
static void
image_write (const char *path,
             guint       width,
             guint       height,
             const char *format)
{
  const Babl   *babl = babl_format (format);
  GeglRectangle rect = { 0, 0, (gint) width, (gint) height };
  GeglBuffer   *buffer = gegl_buffer_new (&rect, babl);
  float        *rgba = g_new (float, (gsize) width * height * 4);
  GRand        *rand = g_rand_new_with_seed (width * 7919 + height);
  GeglNode     *graph, *source, *save;
  guint         x, y, c;

  for (y = 0; y < height; y++)
    for (x = 0; x < width; x++)
      {
        float *p = rgba + ((gsize) y * width + x) * 4;

        for (c = 0; c < 3; c++)
          p[c] = 0.5f * (x + y * c) / (width + height) +
                 0.5f * (float) g_rand_double (rand);
        p[3] = x < width / 2 ? (float) x / MAX (width / 2, 1) : 0.0f;
      }
  gegl_buffer_set (buffer, &rect, 0, babl_format ("R'G'B'A float"), rgba,
                   GEGL_AUTO_ROWSTRIDE);

  graph = gegl_node_new ();
  source = gegl_node_new_child (graph, "operation", "gegl:buffer-source",
                                "buffer", buffer, NULL);
  save = gegl_node_new_child (graph, "operation", "gegl:save",
                              "path", path, NULL);
  gegl_node_link (source, save);
  gegl_node_process (save);

  g_object_unref (graph);
  g_object_unref (buffer);
  g_rand_free (rand);
  g_free (rgba);
}

/* The decoded file, or NULL where GEGL cannot read it. */
static GeglBuffer *
image_read (const char *path)
{
  GeglBuffer *buffer = NULL;
  GeglNode   *graph, *load, *sink;

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return NULL;
  graph = gegl_node_new ();
  load = gegl_node_new_child (graph, "operation", "gegl:load",
                              "path", path, NULL);
  sink = gegl_node_new_child (graph, "operation", "gegl:buffer-sink",
                              "buffer", &buffer, NULL);
  gegl_node_link (load, sink);
  gegl_node_process (sink);
  g_object_unref (graph);
  return buffer;
}

/* Checks that @path decodes to @width x @height; returns its buffer. */
static GeglBuffer *
check_output (const Run  *run,
              const char *path,
              guint       width,
              guint       height)
{
  GeglBuffer *buffer = image_read (path);

  CHECK (run->status == 0, "'%s' exited with %d: %s", run->command,
         run->status, run->err);
  CHECK (buffer != NULL, "'%s' wrote no readable %s", run->command, path);
  if (buffer == NULL)
    return NULL;
  CHECK (gegl_buffer_get_width (buffer) == (gint) width &&
         gegl_buffer_get_height (buffer) == (gint) height,
         "'%s': output %dx%d, input %ux%u", run->command,
         gegl_buffer_get_width (buffer), gegl_buffer_get_height (buffer),
         width, height);
  return buffer;
}

/* Whether @message names @name, or its words ("tv-weight": "tv weight"),
 * the way the engine's checks speak of parameters. */
static gboolean
message_names (const char *message,
               const char *name)
{
  char    *words = g_strdelimit (g_ascii_strdown (name, -1), "-", ' ');
  char    *lower = g_ascii_strdown (message, -1);
  gboolean found = strstr (message, name) != NULL ||
                   strstr (lower, words) != NULL;

  g_free (words);
  g_free (lower);
  return found;
}

/* A refusal: exit 1, a message "neural-style: what. What to do." naming
 * @name, no engine work, and nothing in @folder. */
static void
check_refused (const Run  *run,
               const char *name,
               const char *folder)
{
  char *left = folder_list (folder);

  CHECK (run->status == 1, "'%s' exited with %d, not 1: %s", run->command,
         run->status, run->err);
  CHECK (g_str_has_prefix (run->err, "neural-style: ") &&
         strstr (run->err, ". ") != NULL,
         "'%s': message not in the form 'neural-style: what. What to do.': "
         "%s", run->command, run->err);
  CHECK (name == NULL || message_names (run->err, name),
         "'%s': the message does not name '%s': %s", run->command, name,
         run->err);
  CHECK (strstr (run->out, "fake engine:") == NULL &&
         strstr (run->err, "of device memory") == NULL,
         "'%s': the engine was started before the refusal: %s%s",
         run->command, run->out, run->err);
  CHECK (left[0] == '\0', "'%s' left files: %s", run->command, left);
  g_free (left);
}

static void
test_help (void)
{
  static const char *const spellings[] =
  {
    "--net", "--weights", "--iterations", "--size", "--stages",
    "--style-scale", "--content-weight", "--style-weight", "--tv-weight",
    "--style-blend", "--preserve-colors", "--init", "--init-blend",
    "--learning-rate", "--seed", "--device", "--list-devices", "--quiet",
    "--style", "--output",
  };
  Run   run = { 0 };
  guint i;

  RUN (&run, "--help");
  CHECK (run.status == 0, "--help exited with %d", run.status);
  for (i = 0; i < G_N_ELEMENTS (spellings); i++)
    CHECK (strstr (run.out, spellings[i]) != NULL,
           "--help does not mention %s", spellings[i]);
  run_clear (&run);
}

/* An image file @name cut to half its length, inside its pixel data. */
static char *
cut_image_new (const char *name)
{
  char  *path = scratch_path (name);
  char  *data;
  gsize  size;

  image_write (path, 64, 64, "R'G'B' u8");
  g_assert (g_file_get_contents (path, &data, &size, NULL));
  g_assert (g_file_set_contents (path, data, size / 2, NULL));
  g_free (data);
  return path;
}

/* C05: broken, missing and fake style files. */
static void
test_bad_files (const char *content)
{
  char *odd = g_build_filename (g_getenv ("NEURAL_STYLE_SHARED"), "images",
                                "odd", "truncated.jpg", NULL);
  char *text = scratch_path ("notes.png");
  char *empty = scratch_path ("empty.jpg");
  char *missing = scratch_path ("missing.png");
  char *folder = folder_new ("out-c05");
  char *output = g_build_filename (folder, "out.png", NULL);
  char *cut_jpeg = cut_image_new ("cut.jpg");
  char *cut_png = cut_image_new ("cut.png");
  const char *const styles[] =
    { odd, text, empty, missing, scratch, cut_jpeg, cut_png };
  guint i;

  g_assert (g_file_set_contents (text, "not an image\n", -1, NULL));
  g_assert (g_file_set_contents (empty, "", 0, NULL));

  for (i = 0; i < G_N_ELEMENTS (styles); i++)
    {
      Run run = { 0 };

      if (!g_file_test (styles[i], G_FILE_TEST_EXISTS) && i == 0)
        continue;
      RUN (&run, content, "-s", styles[i], "-o", output, QUICK);
      check_refused (&run, styles[i], folder);
      run_clear (&run);

      /* The same file as the content. */
      RUN (&run, styles[i], "-s", content, "-o", output, QUICK);
      check_refused (&run, styles[i], folder);
      run_clear (&run);
    }

  g_free (cut_jpeg);
  g_free (cut_png);
  g_free (odd);
  g_free (text);
  g_free (empty);
  g_free (missing);
  g_free (folder);
  g_free (output);
}

/* C20: unwritable outputs and bad arguments, refused before any work. */
static void
test_fail_early (const char *content,
                 const char *style)
{
  char *folder = folder_new ("out-c20");
  char *output = g_build_filename (folder, "out.png", NULL);
  char *file = scratch_path ("plain-file");
  char *under_file = g_build_filename (file, "out.png", NULL);
  char *unknown = g_build_filename (folder, "out.xyz", NULL);
  char *bare = g_build_filename (folder, "out", NULL);
  const char *const outputs[] =
    { "/nonexistent-folder/out.png", under_file, unknown, bare, folder };
  const char *const bad[][2] =
  {
    { "--iterations", "abc" },   { "--iterations", "-1" },
    { "--size", "1.5" },         { "--stages", "0" },
    { "--style-weight", "nan" }, { "--content-weight", "-1" },
    { "--tv-weight", "x" },      { "--learning-rate", "0" },
    { "--init-blend", "2" },     { "--net", "alexnet" },
    { "--init", "sideways" },    { "--style-blend", "1,2" },
    { "--style-blend", "-1" },   { "--style-blend", "0" },
    { "--seed", "99999999999" }, { "--frobnicate", "1" },
  };
  guint i;

  g_assert (g_file_set_contents (file, "x", -1, NULL));
  for (i = 0; i < G_N_ELEMENTS (outputs); i++)
    {
      Run run = { 0 };

      RUN (&run, content, "-s", style, "-o", outputs[i], QUICK);
      check_refused (&run, i < 4 ? outputs[i] : NULL, folder);
      run_clear (&run);
    }

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      Run run = { 0 };

      RUN (&run, content, "-s", style, "-o", output, bad[i][0], bad[i][1]);
      check_refused (&run, bad[i][0] + 2, folder);
      run_clear (&run);
    }

  {
    Run run = { 0 };

    RUN (&run, content, "-o", output);
    check_refused (&run, NULL, folder);
    run_clear (&run);
    RUN (&run, content, "-s", style);
    check_refused (&run, NULL, folder);
    run_clear (&run);
    RUN (&run, "-s", style, "-o", output);
    check_refused (&run, NULL, folder);
    run_clear (&run);
    RUN (&run, content, content, "-s", style, "-o", output);
    check_refused (&run, NULL, folder);
    run_clear (&run);
  }

  g_free (folder);
  g_free (output);
  g_free (file);
  g_free (under_file);
  g_free (unknown);
  g_free (bare);
}

/* C06 and C23: the output has the content's size whatever the style's
 * size and --size; the working size never exceeds the content. */
static void
test_exact_size (const char *const sizes[][3],
                 guint             n_sizes,
                 const char       *tag)
{
  guint i;

  for (i = 0; i < n_sizes; i++)
    {
      guint  cw, ch, sw, sh;
      char  *content, *style, *folder, *output, *name, *work;
      Run    run = { 0 };
      GeglBuffer *result;

      g_assert (sscanf (sizes[i][0], "%ux%u", &cw, &ch) == 2);
      g_assert (sscanf (sizes[i][1], "%ux%u", &sw, &sh) == 2);
      name = g_strdup_printf ("%s-content-%ux%u.png", tag, cw, ch);
      content = scratch_path (name);
      g_free (name);
      name = g_strdup_printf ("%s-style-%ux%u.png", tag, sw, sh);
      style = scratch_path (name);
      g_free (name);
      name = g_strdup_printf ("out-%s-%u", tag, i);
      folder = folder_new (name);
      output = g_build_filename (folder, "out.png", NULL);
      image_write (content, cw, ch, "R'G'B' u8");
      image_write (style, sw, sh, "R'G'B' u8");

      RUN (&run, content, "-s", style, "-o", output, "--iterations", "2",
           "--size", sizes[i][2], "--stages", i % 2 ? "2" : "1");
      result = check_output (&run, output, cw, ch);
      g_clear_object (&result);

      /* "stage k/n (WxH)": no working size beyond the content's. */
      work = strstr (run.err, " (");
      if (work != NULL)
        {
          guint ww = 0, wh = 0;

          sscanf (work, " (%ux%u)", &ww, &wh);
          CHECK (ww <= cw && wh <= ch, "'%s': working size %ux%u beyond "
                 "the content's %ux%u", run.command, ww, wh, cw, ch);
        }
      run_clear (&run);
      g_free (content);
      g_free (style);
      g_free (folder);
      g_free (output);
    }
}

/* C08: odd sizes give exactly their size, or a refusal that states the
 * minimum (the engine's to decide). */
static void
test_odd_sizes (const char *style)
{
  static const guint sizes[][2] =
    { { 1, 1 }, { 3, 500 }, { 500, 3 }, { 7, 7 }, { 257, 129 },
      { 1023, 769 } };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      guint  w = sizes[i][0], h = sizes[i][1];
      char  *name = g_strdup_printf ("odd-%ux%u.png", w, h);
      char  *content = scratch_path (name);
      char  *folder, *output;
      Run    run = { 0 };

      g_free (name);
      name = g_strdup_printf ("out-c08-%u", i);
      folder = folder_new (name);
      output = g_build_filename (folder, "out.png", NULL);
      image_write (content, w, h, "R'G'B' u8");

      RUN (&run, content, "-s", style, "-o", output, QUICK);
      if (run.status == 1 && w * h < 64 * 64)
        {
          char *left = folder_list (folder);

          CHECK (strstr (run.err, "minimum") != NULL &&
                 strpbrk (run.err, "0123456789") != NULL,
                 "'%s': refused without stating the minimum: %s",
                 run.command, run.err);
          CHECK (left[0] == '\0', "'%s' left files: %s", run.command, left);
          g_free (left);
        }
      else
        {
          GeglBuffer *result = check_output (&run, output, w, h);

          g_clear_object (&result);
        }
      run_clear (&run);
      g_free (content);
      g_free (folder);
      g_free (output);
    }
}

/* Alpha copied bit for bit, and the file's own precision kept: the output
 * decodes to exactly the input's babl format. */
static void
test_formats_kept (const char *style)
{
  static const char *const cases[][2] =
  {
    { "R'G'B'A u8",  "png" }, { "R'G'B'A u16", "png" },
    { "R'G'B' u16",  "png" }, { "Y' u8",       "png" },
    { "Y'A u16",     "png" }, { "R'G'B' u8",   "PNG" },
    { "R'G'B'A u16", "tif" }, { "Y' u16",      "tiff" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      char *name = g_strdup_printf ("kept-%u.%s", i, cases[i][1]);
      char *content = scratch_path (name);
      char *folder, *output;
      Run   run = { 0 };
      GeglBuffer *in, *out;

      g_free (name);
      name = g_strdup_printf ("out-kept-%u", i);
      folder = folder_new (name);
      output = g_strdup_printf ("%s/out.%s", folder, cases[i][1]);
      image_write (content, 37, 23, cases[i][0]);
      in = image_read (content);
      g_assert (in != NULL);

      RUN (&run, content, "-s", style, "-o", output, QUICK);
      out = check_output (&run, output, 37, 23);
      if (out != NULL)
        {
          const Babl *fi = gegl_buffer_get_format (in);
          const Babl *fo = gegl_buffer_get_format (out);

          CHECK (strcmp (babl_get_name (fi), babl_get_name (fo)) == 0,
                 "'%s': %s in, %s out", run.command, babl_get_name (fi),
                 babl_get_name (fo));
          if (fi == fo && babl_format_has_alpha (fi))
            {
              int    bpp = babl_format_get_bytes_per_pixel (fi);
              int    n = babl_format_get_n_components (fi);
              gsize  size = (gsize) 37 * 23 * bpp, p;
              guchar *a = g_malloc (size), *b = g_malloc (size);
              int    differ = 0;

              gegl_buffer_get (in, NULL, 1.0, fi, a, GEGL_AUTO_ROWSTRIDE,
                               GEGL_ABYSS_NONE);
              gegl_buffer_get (out, NULL, 1.0, fi, b, GEGL_AUTO_ROWSTRIDE,
                               GEGL_ABYSS_NONE);
              for (p = 0; p < size; p += bpp)
                differ += memcmp (a + p + (n - 1) * bpp / n,
                                  b + p + (n - 1) * bpp / n, bpp / n) != 0;
              CHECK (differ == 0, "'%s': %d pixels' alpha changed (%s)",
                     run.command, differ, cases[i][0]);
              g_free (a);
              g_free (b);
            }
          g_object_unref (out);
        }
      g_object_unref (in);
      run_clear (&run);
      g_free (content);
      g_free (folder);
      g_free (output);
    }
}

/* Every output format by extension decodes back at the right size, and a
 * colour content changes visibly (the fake tints it). */
static void
test_outputs (const char *content,
              const char *style)
{
  static const char *const extensions[] =
    { "png", "jpg", "JPEG", "tif", "webp", "exr" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (extensions); i++)
    {
      char *folder = folder_new (extensions[i]);
      char *output = g_strdup_printf ("%s/out.%s", folder, extensions[i]);
      char *left;
      Run   run = { 0 };
      GeglBuffer *out;

      RUN (&run, content, "-s", style, "-o", output, QUICK);
      out = check_output (&run, output, 61, 45);
      g_clear_object (&out);
      left = folder_list (folder);
      CHECK (g_ascii_strcasecmp (left, strrchr (output, '/') + 1) == 0,
             "'%s' left other files: %s", run.command, left);
      CHECK (strstr (run.out, output) != NULL &&
             strstr (run.out, " s") != NULL,
             "'%s' did not print the output and the time: %s", run.command,
             run.out);
      g_free (left);
      run_clear (&run);
      g_free (folder);
      g_free (output);
    }
}

/* C21: SIGINT or SIGTERM during the run: out within 2 s with status 130,
 * no output and no temporary file. */
static void
test_interrupt (const char *content,
                const char *style,
                int         signal_number)
{
  char *name = g_strdup_printf ("out-signal-%d", signal_number);
  char *folder = folder_new (name);
  char *output = g_build_filename (folder, "out.png", NULL);
  char *log = g_strdup_printf ("%s/signal-%d.log", scratch, signal_number);
  const char *const argv[] = { program, content, "-s", style, "-o", output,
                               "--iterations", "100000", NULL };
  GSubprocessLauncher *launcher = launcher_new (G_SUBPROCESS_FLAGS_NONE);
  GSubprocess *process;
  char   *text = NULL, *left;
  gint64  deadline, sent;
  int     status;

  g_subprocess_launcher_set_stderr_file_path (launcher, log);
  g_subprocess_launcher_set_stdout_file_path (launcher, "/dev/null");
  process = g_subprocess_launcher_spawnv (launcher, argv, NULL);
  g_assert (process != NULL);

  /* Wait for the engine to be running (its size line comes after the
   * checks and the plan), then a little more. */
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline &&
         (!g_file_get_contents (log, &text, NULL, NULL) ||
          strstr (text, "of device memory") == NULL))
    {
      g_clear_pointer (&text, g_free);
      g_usleep (50000);
    }
  g_free (text);
  g_usleep (real_engine ? 2000000 : 300000);

  sent = g_get_monotonic_time ();
  g_subprocess_send_signal (process, signal_number);
  while (!g_subprocess_wait (process, NULL, NULL))
    ;
  status = status_of (process);
  g_file_get_contents (log, &text, NULL, NULL);

  /* Killed by the signal would read 130 too for SIGINT: exiting is
   * required. */
  CHECK (g_subprocess_get_if_exited (process) && status == 130,
         "signal %d: exit status %d, not 130 from exit: %s",
         signal_number, status, text);
  CHECK (g_get_monotonic_time () - sent < 2 * G_USEC_PER_SEC,
         "signal %d: took %.2f s to stop", signal_number,
         (g_get_monotonic_time () - sent) / 1e6);
  left = folder_list (folder);
  CHECK (left[0] == '\0', "signal %d left files: %s", signal_number, left);
  n_runs++;

  g_free (left);
  g_free (text);
  g_object_unref (process);
  g_object_unref (launcher);
  g_free (name);
  g_free (folder);
  g_free (output);
  g_free (log);
}

/* Progress without a terminal: a line per stage and no bar; --quiet: not
 * a word of ours on either stream (the fake engine's debug lines aside). */
static void
test_messages (const char *content,
               const char *style)
{
  char *folder = folder_new ("out-messages");
  char *output = g_build_filename (folder, "out.png", NULL);
  Run   run = { 0 };

  RUN (&run, content, "-s", style, "-o", output, QUICK, "--stages", "2");
  CHECK (run.status == 0, "'%s' exited with %d: %s", run.command,
         run.status, run.err);
  CHECK (strstr (run.err, "stage 1/2") != NULL &&
         strstr (run.err, "stage 2/2") != NULL &&
         strchr (run.err, '\r') == NULL,
         "'%s': not one line per stage: %s", run.command, run.err);
  run_clear (&run);

  g_unlink (output);
  run_argv (&run, (const char *const[]) { content, "-s", style, "-o", output,
                                          QUICK, "--quiet", NULL });
  CHECK (run.status == 0 && strstr (run.out, "Wrote") == NULL &&
         !g_str_has_prefix (run.err, "neural-style: ") &&
         strstr (run.err, "\nneural-style: ") == NULL,
         "'%s' exited with %d and said '%s' '%s'", run.command, run.status,
         run.out, run.err);
  run_clear (&run);
  g_free (folder);
  g_free (output);
}

static void
test_list_devices (void)
{
  Run    run = { 0 };
  char **lines;
  guint  i;

  RUN (&run, "--list-devices");
  CHECK (run.status == 0 || (run.status == 2 &&
                             strstr (run.err, "Vulkan") != NULL),
         "--list-devices exited with %d: %s", run.status, run.err);
  lines = g_strsplit (run.out, "\n", -1);
  for (i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      CHECK (g_ascii_isdigit (lines[i][0]) && strstr (lines[i], ": "),
             "--list-devices line '%s'", lines[i]);
      CHECK (strstr (lines[i], "llvmpipe") == NULL ||
             strstr (lines[i], "slow") != NULL,
             "--list-devices does not call the CPU driver slow: '%s'",
             lines[i]);
    }
  g_strfreev (lines);
  run_clear (&run);
}

/* With the real engine, a run needs weights: without them, skip. */
static gboolean
engine_usable (const char *content,
               const char *style)
{
  char *folder = folder_new ("out-probe");
  char *output = g_build_filename (folder, "out.png", NULL);
  Run   run = { 0 };
  gboolean usable;

  RUN (&run, content, "-s", style, "-o", output, QUICK);
  usable = run.status != 2;
  if (!usable)
    g_print ("SKIP: the engine cannot run here: %s", run.err);
  run_clear (&run);
  g_free (folder);
  g_free (output);
  return usable;
}

int
main (int    argc,
      char **argv)
{
  static const char *const sizes[][3] =
  {
    { "180x180", "1024x640", "0" },  /* C06: defaults */
    { "64x48",   "16x16",    "32" },
    { "33x77",   "300x20",   "100" },
    { "50x50",   "7x9",      "5000" },
    { "97x31",   "31x97",    "0" },
    { "2x65",    "65x2",     "8" },
  };
  char *content, *style;

  gegl_init (&argc, &argv);
  real_engine = argc == 3 && strcmp (argv[1], "--real") == 0;
  program = argv[argc - 1];
  if (argc < 2 || g_getenv ("NEURAL_STYLE_SHARED") == NULL)
    {
      g_printerr ("usage: test-cli [--real] PROGRAM, with "
                  "NEURAL_STYLE_SHARED set\n");
      return 1;
    }
  scratch = g_dir_make_tmp ("ns-test-cli-XXXXXX", NULL);
  g_assert (scratch != NULL);
  content = scratch_path ("content.png");
  style = scratch_path ("style.png");
  image_write (content, 61, 45, "R'G'B' u8");
  image_write (style, 40, 40, "R'G'B' u8");

  test_help ();
  test_list_devices ();
  test_bad_files (content);
  test_fail_early (content, style);
  if (!real_engine || engine_usable (content, style))
    {
      test_exact_size (sizes, G_N_ELEMENTS (sizes), "c23");
      test_odd_sizes (style);
      test_formats_kept (style);
      test_outputs (content, style);
      test_messages (content, style);
      test_interrupt (content, style, SIGINT);
      test_interrupt (content, style, SIGTERM);
    }
  else
    n_failures = n_failures ? n_failures : -1;

  g_print ("%u runs of %s, %d failures\n", n_runs, program,
           MAX (n_failures, 0));
  if (n_failures == 0)
    {
      char *argv_rm[] = { "rm", "-rf", scratch, NULL };

      g_spawn_sync (NULL, argv_rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                    NULL, NULL, NULL, NULL);
    }
  g_free (content);
  g_free (style);
  gegl_exit ();
  return n_failures > 0 ? 1 : n_failures < 0 ? SKIP : 0;
}
