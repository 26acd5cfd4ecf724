"""`guanjia demo`: the whole product on this machine, with the 双港街道 demo data.

Migrates the database, loads the demo once (a second run keeps whatever is there: imported
streets, API keys, orders), prints the demo accounts and the address, then serves the site and
runs `guanjia worker` beside it until Ctrl-C (or SIGTERM) stops both.
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import unicodedata
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from guanjia.demo.loader import (
    DEFAULT_DAYS,
    DEMO_STREET,
    ORDERS_PER_DAY,
    demo_accounts,
    demo_exists,
    demo_load,
)
from guanjia.demo.messages import demo_messages_load
from guanjia.org.models import Street
from guanjia.triage.runtime import current_model, model_path

ROLE_NAMES = {
    "admin": "管理员 admin",
    "manager": "经理 manager",
    "dispatcher": "调度 dispatcher",
    "operator": "话务 operator",
    "worker": "工作人员 worker",
    "vendor": "服务商 vendor",
}


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def accounts_table() -> str:
    rows = [("username", "role", "name", "password")]
    rows += [(u, ROLE_NAMES.get(r, r), name, pw) for u, r, name, pw in demo_accounts()]
    widths = [max(_width(row[i]) for row in rows) + 2 for i in range(3)]
    lines = [
        "  " + "".join(_pad(cell, w) for cell, w in zip(row[:3], widths, strict=True)) + row[3]
        for row in rows
    ]
    lines.insert(1, "  " + "-" * (sum(widths) + len(rows[1][3])))
    return "\n".join(lines)


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


class Command(BaseCommand):
    help = "Run the demo: migrate, load the demo data once, serve the site with the worker."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--port",
            type=int,
            default=int(os.environ.get("PORT") or 8000),
            help="Port to serve on (default: $PORT, else 8000).",
        )
        parser.add_argument(
            "--host", default="127.0.0.1", help="Address to serve on (default: %(default)s)."
        )
        parser.add_argument(
            "--no-serve",
            action="store_true",
            help="Migrate and load the demo data, print the accounts, and exit.",
        )
        parser.add_argument(
            "--days",
            type=int,
            default=DEFAULT_DAYS,
            help="Days of order history to generate on the first run (default: %(default)s).",
        )
        parser.add_argument(
            "--orders",
            type=int,
            default=None,
            help=f"Orders to generate (default: about {ORDERS_PER_DAY} a day).",
        )

    def handle(
        self,
        *args: Any,
        port: int,
        host: str,
        no_serve: bool,
        days: int,
        orders: int | None,
        **options: Any,
    ) -> None:
        if not no_serve and not _port_free(host, port):
            raise CommandError(
                f"Port {port} is in use: stop what runs there, or choose another with "
                f"--port or PORT=... make demo."
            )
        started = time.monotonic()
        self.stderr.write("Migrating the database...")
        call_command("migrate", verbosity=0, interactive=False)
        fresh = not demo_exists()
        if not fresh:
            self.stderr.write(f"Demo street {DEMO_STREET} found: keeping the data as it is.")
        else:
            self.stderr.write(f"Loading the demo: 双港街道 and {days} days of orders...")
            summary = demo_load(days=days, orders=orders)
            self.stderr.write(
                f"Loaded {summary.orders} orders ({summary.events} events, "
                f"{summary.residents} residents) in {summary.seconds:.1f} s."
            )
        if not model_path().exists():
            self.stderr.write("Training the message triage model from the shipped corpus...")
        current_model()  # trained once; retrained only when the shipped corpus changed
        if fresh:
            intakes = demo_messages_load(Street.objects.get(code=DEMO_STREET))
            drafts = sum(i.kind == "draft" for i in intakes)
            self.stderr.write(
                f"Triaged {len(intakes)} group messages: {len(intakes) - drafts} orders or joined, "
                f"{drafts} drafts waiting for a dispatcher."
            )
        url = f"http://{host}:{port}/"
        self.stdout.write("")
        self.stdout.write("Guanjia 管家 demo — 双港街道. Every account's password: guanjia-demo")
        self.stdout.write("")
        self.stdout.write(accounts_table())
        self.stdout.write("")
        self.stdout.write(f"Residents' home page:  {url}")
        self.stdout.write(f"Staff sign in:         {url}accounts/login/")
        self.stdout.write(f"Administration:        {url}admin/")
        self.stdout.write(f"Ready in {time.monotonic() - started:.1f} s.")
        self.stdout.write("")
        if no_serve:
            return
        self.serve(host, port)

    def serve(self, host: str, port: int) -> None:
        """The web server here, the worker as a child process; stopping one stops both."""
        worker = subprocess.Popen(
            [sys.executable, "-m", "guanjia", "worker", "--exit-with-parent"],
            env=os.environ.copy(),
        )
        stopping = threading.Event()

        def watch() -> None:
            code = worker.wait()
            if not stopping.is_set():
                self.stderr.write(f"The worker stopped (exit code {code}); the site keeps serving.")

        threading.Thread(target=watch, name="worker-watch", daemon=True).start()

        def interrupt(signum: int, frame: FrameType | None) -> None:
            raise KeyboardInterrupt

        # Ctrl-C and SIGTERM both stop the server, even where SIGINT came in ignored (a
        # background job of a script): the worker heeds both, so must its parent.
        previous = {s: signal.signal(s, interrupt) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            call_command(
                "runserver",
                f"{host}:{port}",
                use_reloader=False,
                use_threading=True,
                insecure_serving=True,  # static files from the apps, without DEBUG
                skip_checks=True,
            )
        except KeyboardInterrupt:
            pass
        except SystemExit as exit_:
            if exit_.code not in (0, None):
                raise
        finally:
            stopping.set()
            for s, handler in previous.items():
                signal.signal(s, handler)
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait()
            self.stderr.write("Demo stopped.")
