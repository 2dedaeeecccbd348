"""``lpt serve``: the apps of ``notebooks/apps/`` through Voila, and the residents' reply endpoint.

Both listen on 127.0.0.1 only (a deployment puts an authenticating proxy in front of the apps,
a plain TLS proxy in front of the reply endpoint, and sets ``LPT_APP_URL`` and ``LPT_REPLY_URL``).
Voila's kernels are preheated: each app's notebook runs up to the point where it waits for a
request (lpt.apps.session.query_string), so imports and the force-wide scores are ready before a
user opens a link (../shared/TOOLCHAIN.md: 2-4 s cold, about 2 s preheated). The store URL reaches
every process through ``LPT_DATABASE_URL``; tracebacks never reach a page. Each process runs in a
process group of its own, so :func:`stop` ends it with all its kernels.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from lpt import settings
from lpt.errors import LPTError

__all__ = ["APPS_DIR", "DEFAULT_PORT", "Server", "serve", "stop", "voila_command", "wait_until_up"]

APPS_DIR = settings.PROJECT_ROOT / "notebooks" / "apps"
DEFAULT_PORT = 8866
"""The apps' port; the reply endpoint takes the next one by default."""


@dataclass
class Server:
    """The running processes of :func:`serve`: Voila and the reply endpoint."""

    processes: list[subprocess.Popen]

    def poll(self) -> int | None:
        """The exit code of the first process that has stopped, else None."""
        return next((p.returncode for p in self.processes if p.poll() is not None), None)

    def wait(self) -> int:
        """Block until a process stops; its exit code."""
        while (code := self.poll()) is None:
            time.sleep(0.5)
        return code


def voila_command(port: int = DEFAULT_PORT, pool: int = 1, apps_dir: Path = APPS_DIR) -> list[str]:
    """The Voila command line serving every app of ``apps_dir`` with ``pool`` preheated kernels each."""
    return [
        sys.executable, "-m", "voila", str(apps_dir), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
        "--preheat_kernel=True", f"--pool_size={pool}", "--show_tracebacks=False", "--theme=light",
    ]


def serve(db_url: str, *, port: int = DEFAULT_PORT, pool: int = 1, reply_port: int | None = None) -> Server:
    """Start Voila on ``port`` and the reply endpoint on ``reply_port`` (default ``port + 1``) for the
    store at ``db_url`` (migrated first, so the processes never race to do it)."""
    from lpt.replies.web import serve_replies
    from lpt.store import open_store

    open_store(db_url).dispose()
    environment = {**os.environ, "LPT_DATABASE_URL": db_url}
    voila = subprocess.Popen(voila_command(port, pool), env=environment, cwd=str(APPS_DIR), stdin=subprocess.DEVNULL,
                             start_new_session=True)
    return Server([voila, serve_replies(db_url, port=reply_port or port + 1)])


def stop(server: Server, timeout: float = 15) -> None:
    """Stop every process of ``server`` and their kernels: politely, then for certain."""
    running = [p for p in server.processes if p.poll() is None]
    for process in running:
        os.killpg(process.pid, signal.SIGTERM)
    for process in running:
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_until_up(server: Server, port: int, timeout: float = 90) -> None:
    """Wait until ``port`` answers HTTP; LPTError if a process of ``server`` exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise LPTError(f"an app server process exited with code {server.poll()} (is port {port} free?)")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answered (a 404 at / is still an answer)
        except OSError:
            time.sleep(0.3)
    raise LPTError(f"the app server did not answer on port {port} within {timeout:.0f} s")
