"""``lpt serve``: the officers' apps (Voila) on this machine, until Ctrl-C."""

from __future__ import annotations

import argparse

__all__ = ["add_parser"]


def add_parser(commands: argparse._SubParsersAction) -> None:
    """``lpt serve [--port N] [--pool N]``."""
    from lpt.apps.serve import DEFAULT_PORT

    serve = commands.add_parser("serve", help="serve the officers' apps on 127.0.0.1 (links: lpt users link USER)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    serve.add_argument("--pool", type=int, default=1, help="preheated kernels kept ready per app (default 1)")
    serve.add_argument("--reply-port", type=int, help="the residents' reply endpoint (default: port + 1)")
    serve.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    from lpt import settings
    from lpt.apps.serve import serve, stop, wait_until_up
    from lpt.apps.session import APPS

    url = settings.database_url(args.db)
    reply_port = args.reply_port or args.port + 1
    server = serve(url, port=args.port, pool=args.pool, reply_port=reply_port)
    try:
        wait_until_up(server, args.port)
        wait_until_up(server, reply_port)
        print(f"LPT apps ({', '.join(APPS)}) at http://127.0.0.1:{args.port}/ and the residents' reply pages at "
              f"http://127.0.0.1:{reply_port}/ for the store {url}.\n"
              "Each user opens their own link: lpt --user ADMIN users link USER [--app APP]. Ctrl-C stops.", flush=True)
        return server.wait()
    finally:
        stop(server)
