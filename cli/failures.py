"""Expected failures, told in one line: the engine gone or refusing, a file that cannot be written, a full disk.

`akhbar --debug …` lets the traceback through instead. Anything else is a bug and keeps its traceback.
"""
from __future__ import annotations

import errno

from elasticsearch import ApiError, TransportError

from core.engine import describe_failure

EXIT_FAILED = 1  # like cp: something given could not be read or written
EXIT_ENGINE = 2  # the engine stayed away or refused us: nothing wrong with the input, rerun later

RERUN = "rerunning the same command is safe (article ids are stable)"


def expected(error: BaseException) -> bool:
    from indexer.outages import EngineGone

    return isinstance(error, (EngineGone, ApiError, TransportError, OSError))


def explain(error: BaseException, engine: str) -> tuple[str, int]:
    """(the one line for the user, the exit code) of an expected failure."""
    from indexer.outages import EngineGone

    notes = "".join(f"; {note}" for note in getattr(error, "__notes__", ()))
    if isinstance(error, EngineGone):
        done = "nothing was indexed" if not error.indexed else f"{error.indexed} article(s) were indexed"
        return f"stopped while {error.what} ({engine}): {error}; {done}{notes}; {RERUN}", EXIT_ENGINE
    if isinstance(error, (ApiError, TransportError)):
        return f"{describe_failure(error)} ({engine}){notes}", EXIT_ENGINE
    if isinstance(error, OSError):
        what = error.strerror or str(error)
        where = f": {error.filename}" if error.filename else ""
        hint = "; free some space, then " + RERUN if error.errno == errno.ENOSPC else ""
        return f"{what}{where}{notes}{hint}", EXIT_FAILED
    return f"{type(error).__name__}: {error}{notes}", EXIT_FAILED
