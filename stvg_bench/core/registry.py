"""Named registries with lazy entries and plugins.

A :class:`Registry` maps unique names to objects. An entry is registered
either as the object itself or as a ``"module:attribute"`` reference that is
imported the first time the entry is used, together with an *info* value (a
small dataclass or dict of what listings show), so that listing a registry
never imports the modules behind it.

Other packages add entries through the ``stvg_bench.plugins`` entry-point
group: each entry point names a callable ``register(registries)`` that
receives :mod:`stvg_bench.registries` and calls ``register`` on the
registries it extends. Plugins are loaded once, the first time a registry is
listed or asked for a name it does not hold.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from .errors import OptionError, StvgBenchError, quote

T = TypeVar("T")
PLUGIN_GROUP = "stvg_bench.plugins"


class RegistryError(StvgBenchError):
    """A registration that breaks a registry's rules: a name taken twice, a reference that does not load."""


@dataclass
class _Entry:
    target: Any
    info: Any
    origin: str
    loaded: bool


def load_reference(reference: str) -> Any:
    """The object named by ``"package.module:attribute"``."""
    module_name, _, attribute = reference.partition(":")
    if not module_name or not attribute:
        raise RegistryError(f"reference {quote(reference)} is not 'module:attribute'")
    try:
        return getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise RegistryError(f"cannot load {quote(reference)}: {exc}") from None


class Registry(Generic[T]):
    """Unique names -> objects of one kind (``kind`` names it in messages: "dataset", "format", ...)."""

    def __init__(self, kind: str, plugins: Callable[[], None] | None = None) -> None:
        self.kind = kind
        self._entries: dict[str, _Entry] = {}
        self._plugins = plugins

    def register(self, name: str, target: T | str, info: Any = None, *, origin: str = "stvg-bench") -> None:
        """Add ``target`` (an object, or a ``"module:attribute"`` string loaded on first use) as ``name``.

        Registering a name twice is an error, whoever registers it.
        """
        if name in self._entries:
            first = self._entries[name].origin
            raise RegistryError(f"{self.kind} {quote(name)} is registered twice (by {first} and by {origin})")
        lazy = isinstance(target, str)
        self._entries[name] = _Entry(target=target, info=info, origin=origin, loaded=not lazy)

    def _entry(self, name: str) -> _Entry:
        if name not in self._entries and self._plugins is not None:
            self._plugins()
        try:
            return self._entries[name]
        except KeyError:
            raise OptionError(f"unknown {self.kind} {quote(name)}; choose one of {', '.join(self.names())}") from None

    def get(self, name: str) -> T:
        """The object registered as ``name`` (imported now if it was registered lazily)."""
        entry = self._entry(name)
        if not entry.loaded:
            entry.target = load_reference(entry.target)
            entry.loaded = True
        return entry.target

    def info(self, name: str) -> Any:
        """What was registered with ``name`` for listings (nothing is imported)."""
        return self._entry(name).info

    def origin(self, name: str) -> str:
        """Who registered ``name`` (``stvg-bench`` or the plugin's entry point)."""
        return self._entry(name).origin

    def names(self) -> list[str]:
        """Every registered name, in registration order (plugins included)."""
        if self._plugins is not None:
            self._plugins()
        return list(self._entries)

    def __contains__(self, name: str) -> bool:
        return name in self.names()

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def items(self) -> Iterator[tuple[str, Any]]:
        """``(name, info)`` of every entry, without importing any."""
        for name in self.names():
            yield name, self._entries[name].info
