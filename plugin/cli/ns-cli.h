/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The command-line front end: options, progress, and the run itself. */
#pragma once

#include "ns-engine.h"

G_BEGIN_DECLS

/* Exit statuses that scripts rely on. */
enum
{
  NS_CLI_EXIT_OK          = 0,
  NS_CLI_EXIT_USAGE       = 1,   /* bad arguments or an unusable input */
  NS_CLI_EXIT_FAILURE     = 2,   /* anything that went wrong while running */
  NS_CLI_EXIT_INTERRUPTED = 130, /* SIGINT or SIGTERM */
};

typedef struct
{
  NsParams   params;       /* the network's defaults, then the options */
  char      *content;      /* the image to repaint */
  char     **styles;       /* NULL-terminated */
  guint      n_styles;
  char      *output;
  float     *style_blend;  /* n_styles weights, or NULL for equal ones */
  char      *device;       /* --device, or NULL */
  gboolean   list_devices;
  gboolean   quiet;
  char      *net;          /* storage behind params.net */
  char      *weights;      /* storage behind params.weights_path */
} NsCliOptions;

/* Parses and checks the command line; NS_ERROR_BAD_INPUT on any mistake.
 * --help prints the help and ends the process, as GOption does. */
gboolean ns_cli_options_parse  (NsCliOptions  *options,
                                int            argc,
                                char         **argv,
                                GError       **error);
void     ns_cli_options_clear  (NsCliOptions  *options);

typedef enum
{
  NS_CLI_PROGRESS_NONE,   /* --quiet */
  NS_CLI_PROGRESS_LINES,  /* stderr is not a terminal: a line per stage */
  NS_CLI_PROGRESS_BAR,    /* a bar redrawn in place on the terminal */
} NsCliProgressMode;

typedef struct
{
  NsCliProgressMode mode;
  gint64            last_draw;     /* g_get_monotonic_time, microseconds */
  gboolean          drawn;         /* a bar is on the terminal's last line */
  guint             stages_done;   /* lines printed */
  gboolean          have_losses;   /* the three below were ever read */
  double            content_loss;
  double            style_loss;
  double            tv_loss;
} NsCliProgress;

void     ns_cli_progress_init  (NsCliProgress      *progress,
                                NsCliProgressMode   mode);
/* An NsProgressFunc; @data is the NsCliProgress. */
void     ns_cli_progress_update (const NsProgress  *state,
                                 gpointer           data);
/* Ends the bar's line, if one is shown. */
void     ns_cli_progress_end   (NsCliProgress      *progress);

/* Prints "neural-style: <what happened>. <what to do>" on stderr. */
void     ns_cli_report         (const GError  *error,
                                const char    *hint);

/* The whole program: returns the exit status. */
int      ns_cli_main           (int            argc,
                                char         **argv);

G_END_DECLS
