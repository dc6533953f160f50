"""Helpers shared by the benchmarks: timing whole processes, the machine, writing results."""
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
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


def timed(cmd: list, env: dict | None = None, timeout: float = 3600, cwd=None) -> dict:
    """Run `cmd` under `/usr/bin/time -v` (in folder `cwd`): wall time (s), CPU time (s), peak memory (MB), exit status."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        proc = subprocess.run(["/usr/bin/time", "-v", "-o", tf.name] + [str(c) for c in cmd], capture_output=True,
                              text=True, env={**os.environ, **(env or {})}, timeout=timeout, cwd=cwd)
        report = Path(tf.name).read_text()
    def grab(label):
        m = re.search(re.escape(label) + r":\s*(.+)", report)
        return m.group(1).strip() if m else None
    wall = grab("Elapsed (wall clock) time (h:mm:ss or m:ss)")
    parts = [float(p) for p in wall.split(":")] if wall else [float("nan")]
    seconds = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
    return {"command": " ".join(map(str, cmd)), "wall_s": round(seconds, 2),
            "cpu_s": round(float(grab("User time (seconds)")) + float(grab("System time (seconds)")), 2),
            "peak_mb": round(int(grab("Maximum resident set size (kbytes)")) / 1024, 1),
            "exit": proc.returncode, "stderr_tail": proc.stderr[-2000:] if proc.returncode else ""}


def write_results(name: str, payload: dict, markdown: str) -> Path:
    "Write `benchmarks/results/<name>.json` and `<name>.md`."
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {"machine": machine(), "command": " ".join([Path(sys.executable).name] + sys.argv), **payload}
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2, default=str))
    (RESULTS / f"{name}.md").write_text(markdown)
    return RESULTS / f"{name}.json"
