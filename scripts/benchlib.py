"""Shared by the benchmark scripts: running one whole process and measuring it."""
import os
import subprocess
import tempfile
import time


def run_measured(cmd):
    """Run `cmd`; return (wall seconds, peak RSS in MB, stdout, stderr, exit status). Output goes
    through temporary files so that neither pipe can fill up while the process is waited for."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        return (elapsed, usage.ru_maxrss / 1024, out.read().decode(errors="replace"),
                err.read().decode(errors="replace"), os.waitstatus_to_exitcode(status))
