"""Helpers shared by the benchmarks: timing whole processes, the machine, writing results."""
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(os.environ.get("SLUMBERNET_BENCHMARK_RESULTS", ROOT / "benchmarks" / "results"))
"Where results are written (the environment variable lets tests write elsewhere)."
SHARED = Path(os.environ.get("SLUMBERNET_DATA", ROOT.parent / "shared" / "data"))
"The real data: $SLUMBERNET_DATA, else ../shared/data beside the repository (benchmarks that need it skip without it)."


def machine() -> dict:
    "Where the figures come from."
    return {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d"), "python": platform.python_version(),
            "cpus": os.cpu_count(), "processor": platform.processor() or platform.machine(),
            "platform": platform.platform()}


def _tree_peak_mb(proc: subprocess.Popen, timeout: float, every_s: float = 1.0) -> float | None:
    """Wait for `proc`, sampling every `every_s` the memory of it and every process under it (proportional set size,
    so pages the processes share count once): the peak of the sum (MB); None where psutil cannot read it."""
    try: import psutil
    except ImportError:
        proc.wait(timeout); return None
    peak, until = 0, time.monotonic() + timeout
    while proc.poll() is None:
        if time.monotonic() > until: raise subprocess.TimeoutExpired(proc.args, timeout)
        total = 0
        try: tree = [psutil.Process(proc.pid)] + psutil.Process(proc.pid).children(recursive=True)
        except psutil.Error: tree = []
        for p in tree:
            try: total += p.memory_full_info().pss
            except psutil.Error: pass  # exited between listing and reading
        peak = max(peak, total)
        time.sleep(every_s)
    return round(peak / 2**20, 1)


def timed(cmd: list, env: dict | None = None, timeout: float = 3600, cwd=None, tree: bool = False) -> dict:
    """Run `cmd` under `/usr/bin/time -v` (in folder `cwd`): wall time (s), CPU time (s), peak memory (MB) of its
    largest process (`peak_mb`) and, with `tree`, of all its processes together (`tree_peak_mb`, sampled each second:
    a command that starts workers), exit status."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(["/usr/bin/time", "-v", "-o", tf.name] + [str(c) for c in cmd], stdout=subprocess.DEVNULL,
                                stderr=err, env={**os.environ, **(env or {})}, cwd=cwd)
        try:
            tree_peak_mb = _tree_peak_mb(proc, timeout) if tree else None
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill(); proc.wait(); raise
        report = Path(tf.name).read_text()
        err.seek(0); stderr = err.read()
    def grab(label):
        m = re.search(re.escape(label) + r":\s*(.+)", report)
        return m.group(1).strip() if m else None
    wall = grab("Elapsed (wall clock) time (h:mm:ss or m:ss)")
    parts = [float(p) for p in wall.split(":")] if wall else [float("nan")]
    seconds = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
    return {"command": " ".join(map(str, cmd)), "wall_s": round(seconds, 2),
            "cpu_s": round(float(grab("User time (seconds)")) + float(grab("System time (seconds)")), 2),
            "peak_mb": round(int(grab("Maximum resident set size (kbytes)")) / 1024, 1), "tree_peak_mb": tree_peak_mb,
            "exit": proc.returncode, "stderr_tail": stderr[-2000:] if proc.returncode else ""}


def write_results(name: str, payload: dict, markdown: str) -> Path:
    "Write `benchmarks/results/<name>.json` and `<name>.md`."
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {"machine": machine(), "command": " ".join([Path(sys.executable).name] + sys.argv), **payload}
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2, default=str))
    (RESULTS / f"{name}.md").write_text(markdown)
    return RESULTS / f"{name}.json"
