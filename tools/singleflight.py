# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Calls asked for at the same moment with the same key share one run."""

import threading
from concurrent.futures import Future


class SingleFlight:
    """``run(key, fn)``: the first caller runs ``fn``; those who ask with the same
    key while it runs wait for its result (or its exception). Per process."""

    def __init__(self):
        self._lock = threading.Lock()
        self._running = {}

    def run(self, key, fn):
        with self._lock:
            future = self._running.get(key)
            leader = future is None
            if leader:
                future = self._running[key] = Future()
        if not leader:
            return future.result()
        try:
            result = fn()
        except BaseException as error:
            future.set_exception(error)
            raise
        else:
            future.set_result(result)
            return result
        finally:
            with self._lock:
                self._running.pop(key, None)
