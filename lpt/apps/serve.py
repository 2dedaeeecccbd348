"""``lpt serve``: the apps of ``notebooks/apps/`` through Voila, on this machine only.

Voila listens on 127.0.0.1 (a deployment puts an authenticating proxy in front and sets
``LPT_APP_URL``). Kernels are preheated: each app's notebook runs up to the point where it waits
for a request (lpt.apps.session.query_string), so imports and the force-wide scores are ready
before an officer opens a link (../shared/TOOLCHAIN.md: 2-4 s cold, about 2 s preheated). The
store URL reaches the kernels through ``LPT_DATABASE_URL``; tracebacks never reach the page.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from lpt import settings
from lpt.errors import LPTError

__all__ = ["APPS_DIR", "DEFAULT_PORT", "serve", "stop", "voila_command", "wait_until_up"]

APPS_DIR = settings.PROJECT_ROOT / "notebooks" / "apps"
DEFAULT_PORT = 8866


def voila_command(port: int = DEFAULT_PORT, pool: int = 1, apps_dir: Path = APPS_DIR) -> list[str]:
    """The Voila command line serving every app of ``apps_dir`` with ``pool`` preheated kernels each."""
    return [
        sys.executable, "-m", "voila", str(apps_dir), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
        "--preheat_kernel=True", f"--pool_size={pool}", "--show_tracebacks=False", "--theme=light",
    ]


def serve(db_url: str, *, port: int = DEFAULT_PORT, pool: int = 1) -> subprocess.Popen:
    """Start Voila for the store at ``db_url`` (migrated first, so kernels never race to do it) in a
    process group of its own (with its kernels, so :func:`stop` ends them all); returns the server process."""
    from lpt.store import open_store

    open_store(db_url).dispose()
    environment = {**os.environ, "LPT_DATABASE_URL": db_url}
    return subprocess.Popen(voila_command(port, pool), env=environment, cwd=str(APPS_DIR), stdin=subprocess.DEVNULL,
                            start_new_session=True)


def stop(process: subprocess.Popen, timeout: float = 15) -> None:
    """Stop a server of :func:`serve` and its kernels: politely, then for certain."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_until_up(process: subprocess.Popen, port: int, timeout: float = 90) -> None:
    """Wait until the server of :func:`serve` answers on ``port``; LPTError if it exits or times out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LPTError(f"the app server exited with code {process.returncode} (is port {port} free?)")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise LPTError(f"the app server did not answer on port {port} within {timeout:.0f} s")
