"""Thread helpers with PLAMS 2025+'s names: an adjustable semaphore, a lazy value, a thread that keeps its context.

* :class:`LimitedSemaphore` backs ``JobRunner.maxjobs``/``maxthreads``, which can be changed
  while jobs run (lowering the limit waits until enough holders have released).
* :class:`LazyWrapper` holds the default JobRunner and JobManager of a ``ConfigSettings``
  until first use, so importing the engine creates no working folder.
* :class:`ContextAwareThread` runs its target in a copy of the starting thread's
  ``contextvars`` context, so :func:`~plams_core.functions.config_context` and
  :func:`~plams_core.functions.jobs_in_directory` reach the job threads.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, TypeVar

__all__ = ["ContextAwareThread", "LazyWrapper", "LimitedSemaphore"]

T = TypeVar("T")


class LimitedSemaphore:
    """A semaphore whose maximum (``max_value``) can be raised or lowered while it is in use."""

    def __init__(self, max_value: int) -> None:
        if max_value < 0:
            raise ValueError(f"max_value must be greater or equal to 0, was {max_value}")
        self._max_value = max_value
        self._value = max_value
        self._resizing = False
        self._resize_lock = threading.Lock()
        self._condition = threading.Condition(threading.Lock())

    def acquire(self) -> None:
        """Take one unit, waiting while none is free (or while the maximum is being changed)."""
        with self._condition:
            self._condition.wait_for(lambda: not self._resizing and self._value > 0)
            self._value -= 1

    def release(self, n: int = 1) -> None:
        """Give back *n* units; more than were taken is a ValueError."""
        if n < 1:
            raise ValueError(f"n must be one or more, was {n}")
        with self._condition:
            if self._value + n > self._max_value:
                raise ValueError(
                    f"LimitedSemaphore released too many times, maximum is set to {self._max_value}"
                )
            self._value += n
            self._condition.notify_all()

    def __enter__(self) -> LimitedSemaphore:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    @property
    def max_value(self) -> int:
        """The maximum number of holders; lowering it waits until enough holders have released."""
        with self._condition:
            return self._max_value

    @max_value.setter
    def max_value(self, max_value: int) -> None:
        if max_value < 0:
            raise ValueError(f"max_value must be greater or equal to 0, was {max_value}")
        with self._resize_lock, self._condition:
            diff = max_value - self._max_value
            if diff == 0:
                return
            self._resizing = True  # new acquires wait until the change is done
            try:
                self._condition.wait_for(lambda: self._value + diff >= 0)
                self._value += diff
                self._max_value = max_value
            finally:
                self._resizing = False
                self._condition.notify_all()


class LazyWrapper(Generic[T]):
    """A value made by *factory* on first access of :attr:`value`, once, even from several threads."""

    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._lock = threading.Lock()
        self._made = False
        self._value: T | None = None

    @property
    def value(self) -> T:
        """The value, made now if this is the first access."""
        with self._lock:
            if not self._made:
                self._value = self._factory()
                self._made = True
        return self._value  # type: ignore[return-value]

    @property
    def initialized(self) -> bool:
        """Whether the value has been made."""
        return self._made

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def __str__(self) -> str:
        if self._made:
            return f"Initialized LazyWrapper[{type(self._value).__name__}]"
        return "Uninitialized LazyWrapper"

    __repr__ = __str__


class ContextAwareThread(threading.Thread):
    """A Thread that runs its target in a copy of the context of the thread that created it."""

    def __init__(
        self,
        group: None = None,
        target: Callable[..., Any] | None = None,
        name: str | None = None,
        args: Iterable[Any] = (),
        kwargs: Mapping[str, Any] | None = None,
        *,
        daemon: bool | None = None,
    ) -> None:
        self._context = contextvars.copy_context()
        super().__init__(
            group=group,
            target=target,
            name=name,
            args=tuple(args),
            kwargs=dict(kwargs) if kwargs is not None else None,
            daemon=daemon,
        )

    def run(self) -> None:
        """Run the target inside the copied context."""
        self._context.run(super().run)
