"""``make run``: the whole service on this machine (SPEC §8).

Starts an embedded moto server on 127.0.0.1:$EMULATOR_PORT (default 5000),
creates the tables, bucket (with its S3→SQS notification), queues and
dead-letter queue on it, serves the API and hosted page on 127.0.0.1:$PORT
(default 8000), runs a worker that feeds the queues to the same handlers
Lambda runs — in a process of its own (``python -m devstack.worker``), started
again whenever it dies, so a crash mid-import can be tried while the emulator
and the API stay up — loads the demo school unless DEMO=0, prints tokens for
demo users and then one line ``READY api=… emulator=… bucket=… worker_pid=… live=…``
(a restarted worker prints ``WORKER pid=…``). Pages get live updates through a
websocket server on $LIVE_PORT (default: a free port; ``devstack/live.py``)
running the app's own socket handlers. Ctrl-C (SIGINT) or SIGTERM stops
everything it started.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import FrameType

LOCAL_JWT_SECRET = "local-dev-secret-do-not-use-in-production"
LOCAL_OPERATOR_SECRET = "local-operator-secret-do-not-use-in-production"
PROJECT_DIR = Path(__file__).resolve().parent.parent


def _configure_environment(port: int, emulator_port: int) -> None:
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ["AWS_REGION"] = os.environ["AWS_DEFAULT_REGION"]
    os.environ["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{emulator_port}"
    os.environ.setdefault("STAGE", "local")
    os.environ.setdefault("JOURNAL_JWT_SECRET", LOCAL_JWT_SECRET)
    os.environ.setdefault("OPERATOR_JWT_SECRET", LOCAL_OPERATOR_SECRET)
    os.environ.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{port}")
    # The demo journal's pages (this origin) may upload to the emulator's bucket and read its answer.
    os.environ.setdefault("ALLOWED_ORIGINS", f"http://127.0.0.1:{port}")
    os.environ.setdefault("PRINT_SMS_TO_CONSOLE", "1")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("AWS_READ_TIMEOUT_S", "30")  # the emulator can be slow (chalicelib.aws)
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "SchoolChatsLocal")
    # A crashed worker's school sync is retried within about 25 s (lease 20 s, renewed every 5 s).
    os.environ.setdefault("SCHOOL_LEASE_S", "20")


def _load_demo(timeout_s: float = 120.0) -> str:
    """Upload the demo school like the journal would, and wait until its import has finished."""
    from chalicelib.aws import client
    from chalicelib.config import settings
    from chalicelib.pipeline.report import FINAL_STATUSES
    from chalicelib.store.imports import ImportStore
    from devstack.demo import demo_oneroster_zip

    key = "rosters/demo-school.zip"
    client("s3").put_object(Bucket=settings().roster_bucket, Key=key, Body=demo_oneroster_zip())
    # The worker picks the upload up from the queue; its import is found by key.
    store = ImportStore()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for report in store.newest(5, None).items:
            if report["source_key"] == key and report["status"] in FINAL_STATUSES:
                return str(report["status"])
        time.sleep(0.2)
    return "still running"


def _print_tokens() -> None:
    from chalicelib.config import settings
    from chalicelib.identity.journal_token import issue_journal_token, issue_operator_token
    from devstack.demo import DEMO_USERS

    secret = settings().journal_jwt_secret or LOCAL_JWT_SECRET
    now = int(time.time())
    print("Demo journal tokens (HS256 with JOURNAL_JWT_SECRET, audience school-chats, valid 24 h):")
    for person_id, description in DEMO_USERS:
        token = issue_journal_token(person_id, secret, issued_at=now, lifetime_s=86_400)
        print(f"  {person_id:<12} {description}\n    {token}")
    operator_secret = settings().operator_jwt_secret or LOCAL_OPERATOR_SECRET
    operator = issue_operator_token("operator-1", operator_secret, issued_at=now, lifetime_s=86_400)
    print("Operator token (HS256 with OPERATOR_JWT_SECRET, audience school-chats-operator, valid 24 h):")
    print(f"  {'operator-1':<12} operator (back office, every school)\n    {operator}")


def _start_worker() -> subprocess.Popen[bytes]:
    """The worker process, with this process's environment (the emulator's endpoint, the names)."""
    return subprocess.Popen([sys.executable, "-m", "devstack.worker"], cwd=PROJECT_DIR, env=dict(os.environ))


def _stop_worker(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def main() -> int:
    """Run the local stack until interrupted."""
    port = int(os.environ.get("PORT", "8000"))
    emulator_port = int(os.environ.get("EMULATOR_PORT", "5000"))
    demo = os.environ.get("DEMO", "1") != "0"
    _configure_environment(port, emulator_port)
    sys.path.insert(0, str(PROJECT_DIR))

    # The live socket and its management API (devstack/live.py): bound first, so the settings
    # every process reads (this one, the worker) know where pages connect and where to post.
    from devstack.live import LiveServer, app_handlers

    live = LiveServer(host="127.0.0.1", port=int(os.environ.get("LIVE_PORT", "0")))
    os.environ.setdefault("LIVE_URL", live.url)
    os.environ["LIVE_ENDPOINT_URL"] = live.management_url

    from chalicelib.config import settings
    from devstack.emulator import EmbeddedEmulator
    from devstack.resources import provision

    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    # The emulator's access log (every worker poll) would bury the console's SMS codes and
    # interleave with the READY line that scripts parse.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    emulator = EmbeddedEmulator("127.0.0.1", emulator_port)
    emulator.start()
    worker = None
    server = None
    try:
        provision(settings())

        from chalice.cli.factory import CLIFactory

        from chalicelib.bootstrap import build_services
        from devstack import journal
        from devstack.gateway import create_api_server

        factory = CLIFactory(str(PROJECT_DIR))
        config = factory.create_config_obj(chalice_stage_name="local")
        application = config.chalice_app
        # The demo journal at /demo (local stack only); its routes need no adapters of their own.
        journal.register(application, build_services(settings()))
        server = create_api_server(application, config, "127.0.0.1", port)
        threading.Thread(target=server.server.serve_forever, name="api", daemon=True).start()
        live.handlers.update(app_handlers(application))
        live.start()

        worker = _start_worker()

        if demo:
            status = _load_demo()
            print(f"Demo school loaded (import {status}).")
            _print_tokens()
            print(
                f"Demo journal (link a profile, show the QR code for the phone): http://127.0.0.1:{port}/demo"
            )
        print(
            f"Upload a roster:  aws --endpoint-url http://127.0.0.1:{emulator_port} "
            f"s3 cp roster.csv s3://{settings().roster_bucket}/rosters/"
        )
        print(
            f"READY api=http://127.0.0.1:{port} emulator=http://127.0.0.1:{emulator_port} "
            f"bucket={settings().roster_bucket} worker_pid={worker.pid} live={live.url}",
            flush=True,
        )
        while not stop.wait(0.5):
            if worker.poll() is not None and not stop.is_set():  # it died (or was killed): start another
                print(f"worker exited ({worker.returncode}); starting another", flush=True)
                worker = _start_worker()
                print(f"WORKER pid={worker.pid}", flush=True)
    finally:
        print("Stopping…", flush=True)
        if worker is not None:
            _stop_worker(worker)
        if server is not None:
            server.server.shutdown()
            server.server.server_close()
        live.stop()
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
