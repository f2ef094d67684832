"""Sockets: how a lower layer asks a higher one for facts without importing it.

A domain that needs a fact only a higher domain can give (a project needs to know whether its lead has
accepted, which the assignments domain records) declares a :class:`Socket` typed by a small protocol;
``stepchange.wiring.wire()``, at the top of the layers, plugs the implementation in once at start-up.
Imports keep running downhill, and each dependency is still named in one place.
"""

from __future__ import annotations

from typing import Generic, TypeVar

T = TypeVar("T")


class NotWired(RuntimeError):
    """A socket was used before ``stepchange.wiring.wire()`` plugged it."""


class Socket(Generic[T]):
    """One implementation of a protocol, plugged in at start-up by ``stepchange.wiring``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._implementation: T | None = None

    def plug(self, implementation: T) -> None:
        self._implementation = implementation

    def __call__(self) -> T:
        if self._implementation is None:
            raise NotWired(f"The {self.name} socket is not wired: call stepchange.wiring.wire() at start-up")
        return self._implementation
