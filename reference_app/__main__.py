"""``python -m reference_app``: start the chat backend and the auth service.

Ports and faults come from the command line, everything else from the
environment (``REFAPP_*``, see ``reference_app/settings.py``). Logs go to stderr;
stdout carries a short banner and then one line for machines:
``READY backend=<backend URL> auth=<auth URL>``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from reference_app.faults import describe_faults, parse_faults


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m reference_app", description=__doc__.split("\n")[0])
    parser.add_argument("--host", help="interface both services listen on (default: REFAPP_HOST or settings)")
    parser.add_argument("--backend-port", type=int, metavar="PORT",
                        help="chat backend port; 0 lets the OS pick a free one")
    parser.add_argument("--auth-port", type=int, metavar="PORT", help="auth service port; 0 lets the OS pick")
    parser.add_argument("--faults", metavar="NAME[,NAME...]",
                        help="fault switches to turn on (see --list-faults)")
    parser.add_argument("--list-faults", action="store_true", help="list the fault switches and exit")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.list_faults:
        print(describe_faults())
        return 0
    try:
        faults = parse_faults(args.faults)
    except ValueError as exc:
        parser.error(str(exc))  # exits 2 with the usage line

    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per health probe drowns the rest
    # imported late: --help, --list-faults and a bad --faults answer at once
    from reference_app.server import serve
    from reference_app.settings import Settings

    overrides: dict[str, object] = {"faults": faults}
    command_line = {"host": args.host, "backend_port": args.backend_port, "auth_port": args.auth_port}
    for field, value in command_line.items():
        if value is not None:
            overrides[field] = value
    settings = Settings(**overrides)  # type: ignore[arg-type]
    return asyncio.run(serve(settings))


if __name__ == "__main__":
    sys.exit(main())
