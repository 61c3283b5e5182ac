"""The indexer's read-ahead thread: order kept, errors raised in the consumer, an early stop stops the producer."""
import threading

import pytest

from indexer.pipeline import read_ahead


def test_items_arrive_in_order():
    assert list(read_ahead(iter(range(100)), depth=3)) == list(range(100))


def test_a_producer_error_reaches_the_consumer():
    def failing():
        yield 1
        raise RuntimeError("reader broke")

    items = read_ahead(failing(), depth=2)
    assert next(items) == 1
    with pytest.raises(RuntimeError, match="reader broke"):
        next(items)


def test_stopping_early_closes_the_producer():
    closed = threading.Event()

    def endless():
        try:
            n = 0
            while True:
                yield n
                n += 1
        finally:
            closed.set()

    items = read_ahead(endless(), depth=2)
    assert [next(items) for _ in range(5)] == [0, 1, 2, 3, 4]
    items.close()
    assert closed.wait(timeout=5)
