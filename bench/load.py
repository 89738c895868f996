"""Under load: gunicorn with two workers, wrk on 127.0.0.1, and each worker's peak memory."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LoadResult:
    name: str
    path: str
    seconds: int
    requests_per_second: float
    p99_ms: float
    errors: int


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value.strip()).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(output: str) -> tuple[float, float, int]:
    """Requests per second, p99 latency in ms and error count from ``wrk --latency``."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE).group(1))  # type: ignore[union-attr]
    errors = 0
    if match := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output):
        errors += int(match.group(1))
    if match := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output):
        errors += sum(int(n) for n in match.groups())
    return rps, p99, errors


class Server:
    """gunicorn serving the app on a free port with the benchmark's database."""

    def __init__(
        self,
        database_url: str,
        instance: Path,
        workers: int = 2,
        *,
        env: dict[str, str] | None = None,
        log: Path | None = None,
    ) -> None:
        """``env`` adds to the environment; ``log`` receives gunicorn's and the app's
        stderr (a file never fills up and blocks the workers, as an unread pipe can)."""
        self.port = free_port()
        environment = {
            **os.environ,
            "TRAINING_DATABASE_URL": database_url,
            "TRAINING_INSTANCE_PATH": str(instance),
            "TRAINING_RATELIMITS": "off",
            **(env or {}),
        }
        self.log = log
        gunicorn = Path(sys.executable).with_name("gunicorn")
        stderr = log.open("wb") if log is not None else subprocess.PIPE
        try:
            self.process = subprocess.Popen(  # noqa: S603  (our own gunicorn, fixed arguments)
                [
                    str(gunicorn),
                    "--config",
                    str(Path(__file__).resolve().parents[1] / "gunicorn.conf.py"),
                    "--workers",
                    str(workers),
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--no-control-socket",
                    "--log-level",
                    "warning",
                    "training:create_app()",
                ],
                env=environment,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        finally:
            if log is not None:
                stderr.close()  # type: ignore[union-attr]  (the child holds its own copy)
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2):  # noqa: S310  (our own server)
                    return
            except OSError as error:
                if self.process.poll() is not None:
                    raise RuntimeError(f"gunicorn stopped: {self.stderr_text()[-2000:]}") from error
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not answer within 30 s")

    def stderr_text(self) -> str:
        """What gunicorn and the app wrote to stderr so far (all of it once stopped)."""
        if self.log is not None:
            return self.log.read_text(errors="replace")
        if self.process.poll() is None:
            return ""  # reading an open pipe would wait for the end
        return self.process.stderr.read().decode(errors="replace")  # type: ignore[union-attr]

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def peak_memory_mb(self) -> float:
        """The highest resident memory (VmHWM) any worker reached."""
        peaks = []
        for pid in self.worker_pids():
            status = Path(f"/proc/{pid}/status").read_text()
            if match := re.search(r"VmHWM:\s+(\d+) kB", status):
                peaks.append(int(match.group(1)) / 1024)
        return max(peaks, default=0.0)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


def wrk(
    base: str, name: str, path: str, seconds: int, connections: int = 16, cookie: str | None = None
) -> LoadResult:
    binary = shutil.which("wrk")
    if binary is None:
        raise RuntimeError("wrk is missing: apt-get install wrk")
    headers = ["-H", f"Cookie: {cookie}"] if cookie else []
    output = subprocess.run(  # noqa: S603  (fixed arguments)
        [binary, "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", *headers, base + path],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps, p99, errors = parse_wrk(output)
    return LoadResult(name, path, seconds, rps, p99, errors)


def status_of(url: str, cookie: str | None = None) -> int:
    """The status of one GET, redirects not followed (wrk counts a 3xx as a success)."""
    import urllib.error

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
