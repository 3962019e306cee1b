/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Runs the engine in a worker thread while the main thread, the only one
 * that talks to GIMP, shows progress and watches for cancellation.
 *
 * Cancelling from GIMP's progress bar makes GIMP 3.0 end the plug-in
 * process at once (libgimp 3.0 offers a plug-in no cancel callback for its
 * own progress), so nothing may change the image before the engine has
 * finished: the result layer is added only afterwards.  The worker still
 * honours a GCancellable, cancelled when GIMP stops answering progress
 * updates. */
#include "ns-gimp.h"

/* How often the main thread wakes up to update the progress bar. */
#define NS_GIMP_POLL_US (100 * 1000)

typedef struct
{
  /* Read-only while the worker runs; only the worker uses the engine. */
  NsEngine       *engine;
  char           *device_name;
  gboolean        is_cpu;
  const NsParams *params;
  const NsImage  *content;
  const NsImage  *style;
  GCancellable   *cancellable;

  /* Shared, under lock. */
  GMutex          lock;
  GCond           changed;
  NsProgress      progress;
  gboolean        have_progress;
  gboolean        done;
  gboolean        ok;
  NsImage         result;
  GError         *error;
} NsGimpJob;

static void
ns_gimp_job_progress (const NsProgress *progress,
                      gpointer          user_data)
{
  NsGimpJob *job = user_data;

  g_mutex_lock (&job->lock);
  job->progress = *progress;
  job->have_progress = TRUE;
  g_mutex_unlock (&job->lock);
}

static gpointer
ns_gimp_job_thread (gpointer user_data)
{
  NsGimpJob *job = user_data;
  NsImage    result = { 0 };
  GError    *error = NULL;
  gboolean   ok;

  ok = ns_engine_run (job->engine, job->params, job->content, job->style,
                      NULL, 1, ns_gimp_job_progress, job, job->cancellable,
                      &result, &error);

  g_mutex_lock (&job->lock);
  job->ok = ok;
  job->result = result;
  job->error = error;
  job->done = TRUE;
  g_cond_signal (&job->changed);
  g_mutex_unlock (&job->lock);
  return NULL;
}

/* "stage 1/3, step 40/200, 1:25 left" */
static char *
ns_gimp_job_describe (const NsGimpJob  *job,
                      const NsProgress *p)
{
  GString *text = g_string_new (NULL);

  g_string_append_printf (text, "Neural Style on %s%s: ", job->device_name,
                          job->is_cpu ? " (CPU driver, slow)" : "");
  if (p->n_stages > 1)
    g_string_append_printf (text, "stage %u/%u, ", p->stage + 1,
                            p->n_stages);
  g_string_append_printf (text, "step %u/%u", p->iteration,
                          p->n_iterations);
  if (p->remaining >= 0.0)
    g_string_append_printf (text, ", %u:%02u left",
                            (guint) p->remaining / 60,
                            (guint) p->remaining % 60);
  return g_string_free (text, FALSE);
}

/* Shows the latest progress; FALSE once GIMP no longer answers. */
static gboolean
ns_gimp_job_show (NsGimpJob *job,
                  gint64    *last_text_us)
{
  NsProgress progress;
  gboolean   have;
  gint64     now = g_get_monotonic_time ();
  gboolean   alive = TRUE;

  g_mutex_lock (&job->lock);
  progress = job->progress;
  have = job->have_progress;
  g_mutex_unlock (&job->lock);
  if (! have)
    return gimp_progress_pulse ();

  /* The text changes at most once a second, the bar every poll. */
  if (now - *last_text_us >= G_USEC_PER_SEC)
    {
      char *text = ns_gimp_job_describe (job, &progress);

      alive = gimp_progress_set_text (text);
      g_free (text);
      *last_text_us = now;
    }
  return gimp_progress_update (progress.fraction) && alive;
}

static void
ns_gimp_job_wait (NsGimpJob *job)
{
  gint64 last_text_us = 0;

  g_mutex_lock (&job->lock);
  while (! job->done)
    {
      gint64 until = g_get_monotonic_time () + NS_GIMP_POLL_US;

      g_cond_wait_until (&job->changed, &job->lock, until);
      if (job->done)
        break;
      g_mutex_unlock (&job->lock);
      if (! ns_gimp_job_show (job, &last_text_us))
        g_cancellable_cancel (job->cancellable);
      g_mutex_lock (&job->lock);
    }
  g_mutex_unlock (&job->lock);
}

static gboolean
ns_gimp_job_start (NsGimpJob            *job,
                   const NsGimpSettings *settings,
                   guint                 width,
                   guint                 height,
                   GError              **error)
{
  gimp_progress_set_text ("Neural Style: opening the Vulkan device");
  job->engine = ns_engine_new (settings->device, error);
  if (job->engine == NULL)
    return FALSE;

  job->device_name = g_strdup (ns_engine_get_device_name (job->engine));
  job->is_cpu = ns_engine_is_cpu (job->engine);
  g_info ("device: %s%s", job->device_name,
          job->is_cpu ? " (CPU driver)" : "");
  gimp_progress_set_text_printf ("Neural Style: preparing on %s",
                                 job->device_name);
  return ns_engine_prepare (job->engine, job->params, width, height, NULL,
                            error);
}

gboolean
ns_gimp_job_run (const NsGimpSettings *settings,
                 const NsImage        *content,
                 const NsImage        *style,
                 NsImage              *result,
                 GError              **error)
{
  NsGimpJob job = { .params = &settings->params, .content = content,
                    .style = style };
  GThread  *thread;
  gboolean  ok = FALSE;

  g_mutex_init (&job.lock);
  g_cond_init (&job.changed);
  job.cancellable = g_cancellable_new ();

  if (ns_gimp_job_start (&job, settings, content->width, content->height,
                         error))
    {
      thread = g_thread_new ("neural-style", ns_gimp_job_thread, &job);
      ns_gimp_job_wait (&job);
      g_thread_join (thread);
      ok = job.ok;
      if (ok)
        *result = job.result;
      else
        g_propagate_error (error, job.error);
    }

  g_clear_pointer (&job.engine, ns_engine_free);
  g_free (job.device_name);
  g_object_unref (job.cancellable);
  g_cond_clear (&job.changed);
  g_mutex_clear (&job.lock);
  return ok;
}
