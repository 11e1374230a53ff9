"""`mvgen sweep` as an operator runs it: a real process on a real MVGEN_HOME."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path


def test_sweep_removes_a_killed_servers_leftovers(tmp_path: Path) -> None:
    old = time.time() - 3600
    orphan = tmp_path / "artifacts" / "tasks" / "200000000000000001" / "sources.json"
    orphan.parent.mkdir(parents=True)
    orphan.write_text("{}")  # a request whose task row was never written
    for path in (orphan, orphan.parent):
        os.utime(path, (old, old))
    env = {**os.environ, "MVGEN_HOME": str(tmp_path)}
    cmd = [sys.executable, "-m", "mvgen.cli.main", "sweep", "--grace", "60"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "orphans removed: 1 (2 bytes)" in proc.stdout, proc.stdout
    assert not orphan.parent.exists() and (tmp_path / "mvgen.db").is_file()
