"""Riding out engine outages: an engine call that fails for a passing reason (connection refused or lost, a
timeout, 429, any 5xx) is tried again with capped exponential backoff for up to AKHBAR_ENGINE_WAIT seconds;
after that the indexer stops with `EngineGone`, which says what failed and why.

Everything the indexer sends is idempotent (documents have stable ids, index creation is checked first), so a
retried call, or a whole rerun, never duplicates anything.
"""
from __future__ import annotations

import sys
import time
from typing import Callable, TypeVar

from elasticsearch import ApiError, ConnectionError as EngineConnectionError, ConnectionTimeout
from elastic_transport import TlsError
from tenacity import RetryCallState, RetryError, Retrying, retry_if_exception, stop_before_delay
from tenacity import wait_exponential_jitter

from core.engine import describe_failure

MAX_BACKOFF_SECONDS = 15.0  # a restarted node is noticed within this long of answering again
T = TypeVar("T")


class BusyItems(Exception):
    """Some documents of a bulk request were refused for a passing reason (429, 503 …): send them again."""

    def __init__(self, count: int, status: int):
        super().__init__(f"{count} document(s) refused with status {status}")
        self.status = status


class EngineGone(Exception):
    """The engine stayed unreachable (or kept refusing) for the whole wait: the run stops here."""

    def __init__(self, what: str, cause: BaseException, waited: float):
        self.what, self.cause, self.waited = what, cause, waited
        self.indexed: int | None = None  # set by the pipeline: articles acknowledged before the stop
        super().__init__(f"{describe_cause(cause)}, still after {waited:.0f} s of retries (AKHBAR_ENGINE_WAIT)")


def describe_cause(error: BaseException) -> str:
    if isinstance(error, BusyItems):
        return f"the engine kept refusing documents with status {error.status}"
    return describe_failure(error)


def transient(error: BaseException) -> bool:
    """Worth another try: the engine is away, restarting or overloaded — not a refusal of what we sent."""
    if isinstance(error, BusyItems):
        return True
    if isinstance(error, ApiError):
        return error.meta.status == 429 or error.meta.status >= 500
    if isinstance(error, TlsError):  # an untrusted certificate does not fix itself
        return False
    return isinstance(error, (EngineConnectionError, ConnectionTimeout))


def _say(message: str) -> None:
    print(f"akhbar: {message}", file=sys.stderr, flush=True)


class Outages:
    """The retry policy of one indexer run: `call(what, fn, …)` runs `fn` until it succeeds, fails for good, or
    the wait runs out. The first retry of an outage and the recovery are each announced once on stderr."""

    def __init__(self, wait_seconds: float, *, say: Callable[[str], None] = _say, initial_backoff: float = 0.5):
        self.wait_seconds = max(0.0, wait_seconds)
        self.say = say
        self.initial_backoff = initial_backoff

    def call(self, what: str, fn: Callable[..., T], *args, **kwargs) -> T:
        started = time.monotonic()
        waiting = False

        def before_sleep(state: RetryCallState) -> None:
            nonlocal waiting
            if not waiting:
                waiting = True
                error = state.outcome.exception()
                self.say(f"{what}: {describe_cause(error)}; retrying for up to {self.wait_seconds:.0f} s "
                         "(AKHBAR_ENGINE_WAIT)")

        retrying = Retrying(
            retry=retry_if_exception(transient),
            wait=wait_exponential_jitter(multiplier=self.initial_backoff, max=MAX_BACKOFF_SECONDS,
                                         jitter=self.initial_backoff),
            stop=stop_before_delay(self.wait_seconds),
            before_sleep=before_sleep,
        )
        try:
            result = retrying(fn, *args, **kwargs)
        except RetryError as error:
            raise EngineGone(what, error.last_attempt.exception(), time.monotonic() - started) from None
        if waiting:
            self.say(f"{what}: the engine is back after {time.monotonic() - started:.0f} s; going on")
        return result
