"""The whole service on loopback, built for breaking: a PostgreSQL cluster and a Redis of the drill's own (so
stopping them disturbs nothing else on the machine), gunicorn with the production settings behind nginx with the
configuration in deploy/nginx/ (every request a drill makes goes through it), Celery workers and beat. Each part
can be stopped, killed and started again; everything is ended when the drill ends, however it ends.

The world is generated, trained and kept as a template database once per run; each drill starts from a copy.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from bench._setup import machine_description  # noqa: E402

PG_BIN = max(Path("/usr/lib/postgresql").glob("*/bin"), default=Path("/usr/bin"))
SECRET_KEY = "drill-only-secret-key-not-for-use-anywhere-else-0123456789abcdef"
TEMPLATE = "drill_template"
DATABASE = "drill"
# The relay looks every 2 s and sends again what has waited 5 s: the drills watch recovery in seconds, where
# production waits minutes (creditloan.settings.base).
OUTBOX = {"OUTBOX_GRACE_SECONDS": "5", "OUTBOX_RELAY_SECONDS": "2"}


# The drill's nginx: the deployed files (deploy/nginx/) included as they are, around the drill's own ports, logs
# and temporary files.
NGINX_CONF = """daemon off;
worker_processes auto;
pid {folder}/nginx.pid;
events {{ worker_connections 4096; }}
http {{
    include creditloan/http.conf;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    upstream creditloan_app {{ server 127.0.0.1:{app_port}; keepalive 16; keepalive_timeout 60s; }}
    server {{
        listen 127.0.0.1:{web_port};
        access_log {folder}/access.log creditloan;
        include creditloan/app.conf;
    }}
}}
"""

# The worker pools of a deployment that gives each kind of work its own (docs/operations.md).
# As docs/operations.md has a worker serving the scoring queue run: a batch of fresh applications a process.
SCORING_PREFETCH = 16
POOLS = {"worker-scoring": "scoring", "worker-routing": "routing,housekeeping", "worker-bulk": "imports,training"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(what: str, ready, seconds: float = 60, every: float = 0.2):
    """Poll `ready()` until it returns something true; fail the drill after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if value := ready():
                return value
        time.sleep(every)
    raise DrillFailed(f"{what}: not within {seconds:.0f} s")


class DrillFailed(AssertionError):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise DrillFailed(message)


@dataclass
class Postgres:
    """A cluster in a scratch directory, owned by the postgres account (initdb refuses root)."""

    directory: Path
    port: int = field(default_factory=free_port)

    def init(self) -> None:
        self.directory.mkdir(parents=True)
        shutil.chown(self.directory, "postgres", "postgres")
        self._as_postgres([PG_BIN / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8"])
        with open(Path(self.data) / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(
                f"port = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.directory}'\n"
                "max_connections = 200\nshared_buffers = 256MB\n"
            )

    @property
    def data(self) -> str:
        return str(self.directory / "data")

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def start(self) -> None:
        self._as_postgres([PG_BIN / "pg_ctl", "-D", self.data, "-l", str(self.directory / "log"), "-w", "start"])

    def stop(self, mode: str = "fast") -> None:
        """fast: clients disconnected, a clean shutdown; immediate: as if the machine lost power."""
        self._as_postgres([PG_BIN / "pg_ctl", "-D", self.data, "-m", mode, "-w", "stop"])

    def sql(self, statement: str, database: str = "postgres") -> str:
        result = subprocess.run(
            [
                PG_BIN / "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                database,
                "-tAc",
                statement,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout.strip()

    def _as_postgres(self, command: list) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *map(str, command)], check=True, stdout=subprocess.DEVNULL)


@dataclass
class Redis:
    directory: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        # No persistence, as the broker is configured in CI: what it held is gone when it stops, which is the
        # outage worth drilling.
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, cwd=self.directory, stdout=subprocess.DEVNULL, start_new_session=True)
        wait_for("redis", self.ping, seconds=20)

    def ping(self) -> bool:
        return (
            subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True).stdout.strip()
            == "PONG"
        )

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


class Stack:
    """The service and its parts, for one run of drills. Use as a context manager."""

    def __init__(self, *, web_workers: int = 2, web_threads: int = 4, worker_concurrency: int = 2):
        self.directory = Path(tempfile.mkdtemp(prefix="drills-"))
        os.chmod(self.directory, 0o755)
        self.postgres = Postgres(self.directory / "postgres")
        self.redis = Redis(self.directory)
        # Clients talk to nginx on web_port; gunicorn listens on app_port, on loopback, as on a production node.
        self.web_port = free_port()
        self.app_port = free_port()
        self.static_collected = False
        self.web_workers, self.web_threads, self.worker_concurrency = web_workers, web_threads, worker_concurrency
        self.processes: dict[str, subprocess.Popen] = {}
        self.closed = False

    # -- lifetime ---------------------------------------------------------------------------------------------

    def __enter__(self) -> Stack:
        atexit.register(self.close)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        self.postgres.init()
        self.postgres.start()
        self.redis.start()
        os.environ.update(self.environment())
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for name in list(self.processes):
            self.kill(name)
        self.redis.stop()
        with contextlib.suppress(Exception):
            self.postgres.stop("immediate")
        if keep := os.environ.get("DRILL_KEEP_LOGS"):
            # The processes' logs, for looking into a failure or a figure after the run.
            Path(keep).mkdir(parents=True, exist_ok=True)
            for log in self.directory.glob("*.log"):
                shutil.copy(log, Path(keep) / log.name)
        shutil.rmtree(self.directory, ignore_errors=True)

    def environment(self) -> dict[str, str]:
        return {
            "DATABASE_URL": self.postgres.url(DATABASE),
            "CELERY_BROKER_URL": self.redis.url,
            "DJANGO_SECRET_KEY": SECRET_KEY,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_LOG_LEVEL": os.environ.get("DRILL_LOG_LEVEL", "WARNING"),
            "DJANGO_CONN_MAX_AGE": "60",
            # The drills send no text message; production requires a gateway backend to be named.
            "DJANGO_SMS_BACKEND": "creditloan.identity.sms.FileBackend",
            "DJANGO_SMS_FILE_PATH": str(self.directory / "sms.log"),
            "DJANGO_STATIC_ROOT": str(self.directory / "static"),
            **OUTBOX,
        }

    # -- the world --------------------------------------------------------------------------------------------

    def prepare_world(self, enterprises: int) -> float:
        """Generate, import and train once, into the template database; returns the seconds it took."""
        started = time.monotonic()
        self.postgres.sql(f'CREATE DATABASE "{TEMPLATE}"')
        # Celery in-process (no broker) while the world is built: the re-rating, reassessments and promotion that
        # its imports and training set going are done here, and the drills start with an empty outbox.
        env = os.environ | {
            "DATABASE_URL": self.postgres.url(TEMPLATE),
            "DJANGO_SETTINGS_MODULE": "creditloan.settings.local",
            "CELERY_BROKER_URL": "",
        }
        manage = [str(ROOT / ".venv/bin/python"), str(ROOT / "manage.py")]
        for command in (
            ["migrate", "--no-input", "-v", "0"],
            ["generate_demo_data", "--enterprises", str(enterprises), "--seed", "7"],
            ["train_model"],
            ["train_approval_model"],
        ):
            subprocess.run([*manage, *command], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        waiting = self.postgres.sql("SELECT count(*) FROM creditloan_outboxmessage", TEMPLATE)
        check(waiting == "0", f"building the world left {waiting} tasks in the outbox")
        return time.monotonic() - started

    def fresh_database(self) -> None:
        """The drill's database, a copy of the template (nothing may be connected to either)."""
        from django.db import connections

        connections.close_all()
        self.postgres.sql(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        self.postgres.sql(f'CREATE DATABASE "{DATABASE}" TEMPLATE "{TEMPLATE}"')
        # Without a checkpoint here, a crash before the next one replays the copied sequences as they were copied,
        # and nextval hands out ids already committed (seen on PostgreSQL 15.20 in drill 4). A database that was
        # not just copied from a template is not affected.
        self.postgres.sql("CHECKPOINT")

    # -- the service's processes ------------------------------------------------------------------------------

    def start_web(self) -> None:
        """gunicorn on app_port, and nginx in front of it on web_port."""
        if not self.static_collected:
            # As a deploy does: the hashed, compressed static files that whitenoise serves.
            subprocess.run(
                [str(ROOT / ".venv/bin/python"), str(ROOT / "manage.py"), "collectstatic", "--no-input", "-v", "0"],
                env=os.environ | {"DJANGO_SETTINGS_MODULE": "creditloan.settings.production"},
                cwd=ROOT,
                check=True,
            )
            self.static_collected = True
        command = [
            str(ROOT / ".venv/bin/gunicorn"),
            "creditloan.wsgi:application",
            "--workers", str(self.web_workers),
            "--worker-class", "gthread", "--threads", str(self.web_threads),
            "--bind", f"127.0.0.1:{self.app_port}",
            "--log-level", "warning",
            "--graceful-timeout", "5",
            # Longer than nginx keeps an idle upstream connection (60 s), as docs/operations.md deploys it.
            "--keep-alive", "75",
        ]  # fmt: skip
        self._start("web", command, {"DJANGO_SETTINGS_MODULE": "creditloan.settings.production"})
        wait_for("gunicorn", lambda: self.get("/api/schema/", port=self.app_port)[0] == 200, seconds=60)
        self.start_proxy()

    def start_proxy(self) -> None:
        """nginx with deploy/nginx/'s http.conf, app.conf and proxy.conf, in a folder of the drill's own."""
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        check(Path(nginx).exists(), "the drills need nginx (apt-get install nginx-light)")
        folder = self.directory / "nginx"
        shutil.copytree(ROOT / "deploy/nginx", folder / "creditloan", dirs_exist_ok=True)
        (folder / "nginx.conf").write_text(
            NGINX_CONF.format(folder=folder, app_port=self.app_port, web_port=self.web_port), encoding="utf-8"
        )
        command = [nginx, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", str(folder / "error.log")]
        self._start("proxy", command, {})
        wait_for("nginx", lambda: self.get("/api/schema/")[0] == 200, seconds=30)

    def start_worker(self, name: str = "worker", queues: str | None = None, concurrency: int | None = None) -> None:
        command = [
            str(ROOT / ".venv/bin/celery"), "-A", "creditloan", "worker",
            "--concurrency", str(concurrency or self.worker_concurrency), "--pool", "prefork",
            "--hostname", f"{name}@%h", "--loglevel", os.environ.get("DRILL_LOG_LEVEL", "WARNING"),
            "--without-gossip", "--without-mingle",
        ]  # fmt: skip
        if queues:
            command += ["-Q", queues]
        if queues is None or "scoring" in queues.split(","):
            # Fetch ahead enough of the scoring queue's messages for its batches to fill (SCORING_BATCH_SIZE).
            command += ["--prefetch-multiplier", str(SCORING_PREFETCH)]
        self._start(name, command, {"DJANGO_SETTINGS_MODULE": "creditloan.settings.production"})
        wait_for(f"celery {name}", lambda: self.worker_children(name), seconds=60)

    def start_beat(self) -> None:
        command = [
            str(ROOT / ".venv/bin/celery"), "-A", "creditloan", "beat", "--loglevel", "WARNING",
            "--schedule", str(self.directory / "beat-schedule"),
        ]  # fmt: skip
        self._start("beat", command, {"DJANGO_SETTINGS_MODULE": "creditloan.settings.production"})

    def start_service(self, *, pool_per_queue: bool = False) -> None:
        """The web tier, the workers and beat: one worker serving every queue, or (pool_per_queue) a pool for
        scoring, one for routing and housekeeping and one for the bulk queues, as production runs them."""
        self.start_web()
        if pool_per_queue:
            for name, queues in POOLS.items():
                self.start_worker(name, queues, concurrency=1)
        else:
            self.start_worker()
        self.start_beat()

    def worker_children(self, name: str = "worker") -> list[int]:
        """The pids of the worker's pool processes, the ones that run tasks."""
        process = self.processes.get(name)
        if process is None:
            return []
        output = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout
        return [int(pid) for pid in output.split()]

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Kill a process of the stack and everything it started."""
        process = self.processes.pop(name, None)
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            # A warm shutdown that does not end (a worker still trying to reach a broker that is gone) is cut.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        # Its pool processes are in its group; any it left behind go with the group too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)

    def stop(self, name: str) -> None:
        """A warm shutdown (SIGTERM): what a deploy or a scale-down does."""
        self.kill(name, signal.SIGTERM)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    def _start(self, name: str, command: list[str], extra_env: dict[str, str]) -> None:
        log = open(self.directory / f"{name}.log", "ab")  # noqa: SIM115 (closed with the process)
        self.processes[name] = subprocess.Popen(
            command, cwd=ROOT, env=os.environ | extra_env, stdout=log, stderr=log, start_new_session=True
        )

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time used so far by each part: the web tier, the Celery workers, PostgreSQL and Redis, each with
        every process it started (the exited ones through their parents' counts of waited-for children)."""
        roots = {
            "web": [p.pid for name, p in self.processes.items() if name == "web"],
            "nginx": [p.pid for name, p in self.processes.items() if name == "proxy"],
            "workers": [p.pid for name, p in self.processes.items() if name.startswith("worker")],
            "postgres": [int((Path(self.postgres.data) / "postmaster.pid").read_text().split()[0])],
            "redis": [self.redis.process.pid] if self.redis.process else [],
        }
        return {part: sum(_tree_cpu_seconds(pid) for pid in pids) for part, pids in roots.items()}

    def log(self, name: str) -> str:
        path = self.directory / f"{name}.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    # -- talking to it ----------------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        body: dict | None = None,
        token: str = "",
        headers: dict | None = None,
        port: int | None = None,
    ):
        """(status, parsed JSON or None) of one request, with a fresh connection: through nginx unless a port is
        given."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{port or self.web_port}{path}",
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
            | (headers or {}),
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, _json(response.read())
        except urllib.error.HTTPError as error:
            return error.code, _json(error.read())

    def get(self, path: str, token: str = "", port: int | None = None):
        return self.request("GET", path, token=token, port=port)


def at_once(calls: list) -> list:
    """Run the calls in threads released together by a barrier; their results, in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def one(index: int) -> None:
        barrier.wait()
        results[index] = calls[index]()

    threads = [threading.Thread(target=one, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _tree_cpu_seconds(pid: int) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0.0
    # utime, stime, cutime, cstime: fields 14-17 of stat, 12-15 after the command name.
    own = sum(int(value) for value in fields[11:15]) / ticks
    return own + sum(_tree_cpu_seconds(int(child)) for child in children)


def _json(raw: bytes):
    try:
        return json.loads(raw)
    except ValueError:
        return None


def django_setup() -> None:
    """Django in the drill's own process, on the drill's database: to seed accounts and to count outcomes."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "creditloan.settings.local")
    os.environ["DJANGO_DEBUG"] = "false"
    import django

    django.setup()


def header(stack: Stack, title: str) -> None:
    from django.db import connection

    print(f"\n== {title}")
    print(machine_description(connection))
