#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs one Script-Fu case in GIMP 3 batch mode, in a throw-away HOME with
the plug-in under test installed only there.  The case prints NS-OK / NS-FAIL
lines (see prelude.scm); any failure, a missing NS-DONE, or any GLib
message from the plug-in process fails the test.

  run-case.py PLUG-IN PRELUDE CASE OUT-DIR
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
GIMP = "gimp-console-3.0"
TIMEOUT_S = 150


def scheme_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def make_env(home):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "GIMP3_PLUGINDIR",
                        "GIMP3_SYSCONFDIR")}
    config = os.path.join(home, ".config")
    env.update(HOME=home,
               XDG_CONFIG_HOME=config,
               XDG_CACHE_HOME=os.path.join(home, ".cache"),
               XDG_DATA_HOME=os.path.join(home, ".local", "share"),
               XDG_STATE_HOME=os.path.join(home, ".local", "state"),
               XDG_RUNTIME_DIR=os.path.join(home, "run"),
               GIMP3_DIRECTORY=os.path.join(config, "GIMP", "3.0"))
    os.makedirs(env["XDG_RUNTIME_DIR"], mode=0o700)
    return env


def install_plugin(plugin, env):
    # GIMP finds user plug-ins in <gimp dir>/plug-ins/<name>/<name>.
    folder = os.path.join(env["GIMP3_DIRECTORY"], "plug-ins", "neural-style")
    os.makedirs(folder)
    shutil.copy(plugin, os.path.join(folder, "neural-style"))


def script(prelude, case, out_dir):
    shared = os.environ.get("NEURAL_STYLE_SHARED", "")
    head = "(define ns-shared %s)\n(define ns-out %s)\n" % (
        scheme_string(os.path.realpath(shared)), scheme_string(out_dir))
    with open(prelude) as p, open(case) as c:
        return head + p.read() + c.read() + "\n(ns-done)\n"


def verdict(output):
    # The interpreter's prompt "ts> " may start a line.
    lines = [re.sub(r"^(ts> )+", "", l) for l in output.splitlines()]
    failures = [l for l in lines if l.startswith("NS-FAIL")]
    # Our plug-in's GLib messages start with "(neural-style:PID)".  GIMP
    # 3.0.4 closes a finished plug-in's pipe before the plug-in's last
    # flush, so any plug-in (file-png, script-fu too) may warn of a broken
    # pipe on exit: that one is not ours.
    noise = [l for l in lines if "(neural-style:" in l
             and "gimp_flush(): error: Broken pipe" not in l]
    done = any(l.startswith("NS-DONE") for l in lines)
    passed = [l for l in lines if l.startswith("NS-OK")]
    problems = failures + ["plug-in message: " + l for l in noise]
    if not done:
        problems.append("the case did not reach its end (NS-DONE missing)")
    if not passed:
        problems.append("the case checked nothing")
    return problems


def main():
    plugin, prelude, case, out_dir = sys.argv[1:5]
    if shutil.which(GIMP) is None:
        print("%s not found: skipped" % GIMP)
        return SKIP
    if not os.path.isdir(os.environ.get("NEURAL_STYLE_SHARED", "")):
        print("NEURAL_STYLE_SHARED is not a folder: skipped")
        return SKIP
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(out_dir)
    with tempfile.TemporaryDirectory(prefix="ns-gimp-") as home:
        env = make_env(home)
        install_plugin(plugin, env)
        try:
            run = subprocess.run(
                [GIMP, "-i", "--quit", "--batch-interpreter",
                 "plug-in-script-fu-eval", "-b", "-"],
                input=script(prelude, case, out_dir), env=env, text=True,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                timeout=TIMEOUT_S)
            output = run.stdout
        except subprocess.TimeoutExpired as e:
            output = (e.stdout or b"").decode(errors="replace")
            output += "\nTIMEOUT after %d s\n" % TIMEOUT_S
    print(output)
    problems = verdict(output)
    for p in problems:
        print("FAIL:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
