"""The local API adapter's one invocation is handed out in the order it was asked for."""

from __future__ import annotations

import threading
import time

from backend.local.http_adapter import TurnLock


def test_waiters_get_the_lock_in_the_order_they_asked() -> None:
    # given the lock held, and 30 callers queueing one after another
    lock = TurnLock()
    lock.__enter__()
    order: list[int] = []
    threads: list[threading.Thread] = []

    def take(n: int) -> None:
        with lock:
            order.append(n)

    for n in range(30):
        thread = threading.Thread(target=take, args=(n,))
        thread.start()
        threads.append(thread)
        deadline = time.monotonic() + 5
        while len(lock._waiting) < n + 1:  # wait until this caller is queued before the next asks
            assert time.monotonic() < deadline, "a caller never queued"
            time.sleep(0.001)

    # when the holder lets go
    lock.__exit__(None, None, None)
    for thread in threads:
        thread.join(5)

    # then each got its turn, first come first served, and the lock is free again
    assert order == list(range(30))
    with lock:
        pass
