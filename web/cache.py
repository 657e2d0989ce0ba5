"""Pages read once per audit head and minute: what many members loading the same pages costs.

A view depends only on the records (every write adds an audit entry, so the newest entry's
number changes with any write) and on the time (re-sign dates, lapses, call starts: the
hall's rules work in minutes). So a view read at head N during minute M is the same view for
every later read at head N in minute M; the page still says when it was read and at which head.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable

MAX_ENTRIES = 2048


class ReadCache:
    """Views by (what, whose, head, minute), the least recently used dropped beyond ``size``."""

    def __init__(self, size: int = MAX_ENTRIES):
        self.size = size
        self._entries: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, compute: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = compute()
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value
