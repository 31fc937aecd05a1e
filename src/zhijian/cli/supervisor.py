"""``zhijian serve`` keeps its background worker alive.

The worker (``zhijian worker``) runs model runs and imports submitted in the browser; if it
dies (killed, out of memory, a crash), queued jobs would wait for ever. A thread of the
serving process watches it and starts a new one, waiting a little longer each time a new
worker dies soon after it started, so one that cannot start is not restarted in a tight
loop. Each restart is a Chinese line on stderr (process numbers and exit codes only).
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence

FIRST_DELAY = 1.0  # seconds before the first restart
LONGEST_DELAY = 60.0
# A worker that ran this long was healthy: the next restart waits FIRST_DELAY again.
HEALTHY_AFTER = 30.0
STOP_TIMEOUT = 30.0


def next_delay(previous: float | None, ran_for: float) -> float:
    """Seconds to wait before starting a new worker, after one that ran ``ran_for``
    seconds; ``previous`` is the wait before that one (None: none yet). A worker that
    dies soon after starting doubles the wait, up to ``LONGEST_DELAY``."""
    if previous is None or ran_for >= HEALTHY_AFTER:
        return FIRST_DELAY
    return min(previous * 2, LONGEST_DELAY)


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class WorkerSupervisor:
    """Runs ``command`` as a child process and starts it again whenever it ends, until
    ``stop``. ``pid`` is the current worker's process id (None between two)."""

    def __init__(
        self,
        command: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        say: Callable[[str], None] = _say,
    ) -> None:
        self.command, self.env, self.say = list(command), env, say
        self.starts = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._watch, name="zhijian-worker", daemon=True)

    @property
    def pid(self) -> int | None:
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def start(self) -> None:
        """Start the worker and the thread that watches it."""
        self._spawn()
        self._thread.start()

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Stop watching and end the worker (terminate, then kill after ``timeout``)."""
        self._stopping.set()
        with self._lock:
            process = self._process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=timeout)
        if self._thread.is_alive():
            self._thread.join(timeout=timeout)

    def _spawn(self) -> bool:
        """A new worker, unless stopping; whether one was started."""
        with self._lock:
            if self._stopping.is_set():
                return False
            self._process = subprocess.Popen(self.command, env=self.env)
            self._started_at = time.monotonic()
            self.starts += 1
            return True

    def _watch(self) -> None:
        delay: float | None = None
        while not self._stopping.is_set():
            process = self._process
            assert process is not None
            # The serving process may reap the child itself (gunicorn's arbiter waits
            # for any child): the exit code is then unknown and reads as 0.
            code = process.wait()
            if self._stopping.is_set():
                return
            delay = next_delay(delay, time.monotonic() - self._started_at)
            ended = f"，退出码 {code}" if code else ""
            self.say(
                f"后台任务进程（进程号 {process.pid}）已停止{ended}；"
                f"{delay:g} 秒后重新启动（排队的任务不会丢失）。"
            )
            if self._stopping.wait(delay) or not self._spawn():
                return
            started = self._process
            self.say(f"后台任务进程已重新启动（进程号 {started.pid if started else '?'}）。")
