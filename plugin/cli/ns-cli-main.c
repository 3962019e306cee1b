/* SPDX-License-Identifier: GPL-3.0-or-later */
/* neural-style: the command-line front end (see ns-cli-run.c). */
#include "ns-cli.h"

int
main (int    argc,
      char **argv)
{
  return ns_cli_main (argc, argv);
}
