"""Token buckets in memory: how the residents' pages keep one address or one link from hammering them.

The pages need no login, so anyone may call them; the limits keep guessing links and flooding
the store expensive. A bucket per key (a client address, a link) holds up to ``capacity``
tokens, refilled evenly over ``period`` seconds; each request takes one, and a request finding
the bucket empty is refused with the seconds until a token is back. Buckets live in one
process's memory (the pages run as one process), so a restart forgets them; the number kept is
bounded (idle, full buckets are dropped first), so many addresses cannot exhaust memory.
"""

from __future__ import annotations

import threading
import time

__all__ = ["TokenBucket"]


class TokenBucket:
    """Per-key token buckets: at most ``capacity`` requests at once, ``capacity`` per ``period`` seconds
    on average. Safe to share between threads."""

    def __init__(self, capacity: int, period: float, *, max_keys: int = 100_000) -> None:
        if capacity < 1 or period <= 0 or max_keys < 1:
            raise ValueError(f"a token bucket needs capacity >= 1, period > 0 and max_keys >= 1, not {capacity}, {period}, {max_keys}")
        self.capacity, self.period, self.max_keys = capacity, float(period), max_keys
        self._rate = capacity / self.period  # tokens per second
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, when counted)
        self._lock = threading.Lock()

    def take(self, key: str, *, now: float | None = None) -> float:
        """Take one token for ``key``: 0 if there was one, else the seconds until there is."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens = self._tokens(key, now)
            if tokens >= 1:
                self._store(key, tokens - 1, now)
                return 0.0
            self._store(key, tokens, now)
            return (1 - tokens) / self._rate

    def _tokens(self, key: str, now: float) -> float:
        tokens, then = self._buckets.get(key, (self.capacity, now))
        return min(self.capacity, tokens + (now - then) * self._rate)

    def _store(self, key: str, tokens: float, now: float) -> None:
        self._buckets[key] = (tokens, now)
        if len(self._buckets) > self.max_keys:
            self._prune(now)

    def _prune(self, now: float) -> None:
        """Forget full buckets (a fresh one is the same); if that is not enough, the longest idle half."""
        self._buckets = {k: v for k, v in self._buckets.items() if self._tokens(k, now) < self.capacity}
        if len(self._buckets) > self.max_keys:
            by_age = sorted(self._buckets, key=lambda k: self._buckets[k][1])
            for key in by_age[: len(by_age) // 2]:
                del self._buckets[key]
