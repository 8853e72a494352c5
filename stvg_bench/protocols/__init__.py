"""Protocols: named, versioned scoring rules, registered in :data:`stvg_bench.registries.PROTOCOLS`.

``tubes``: ``dense`` (canonical), ``tubedetr``, ``stcat``; ``actions``: ``gyt``.
"""

from __future__ import annotations

from .actions import ActionProtocol
from .tubes import TubeProtocol

Protocol = TubeProtocol | ActionProtocol


def get_protocol(name: str | Protocol, family: str | None = None) -> Protocol:
    """The registered protocol ``name`` (a protocol object passes through); ``family`` refuses another family's."""
    from ..core.errors import OptionError
    from ..registries import PROTOCOLS

    protocol = name if isinstance(name, (TubeProtocol, ActionProtocol)) else PROTOCOLS.get(name)
    if family is not None and protocol.family != family:
        choices = [n for n, p in PROTOCOLS.items() if p.family == family]
        raise OptionError(f"protocol {protocol.name!r} scores {protocol.family}, not {family}; "
                          f"choose one of {', '.join(choices)}")
    return protocol


__all__ = ["ActionProtocol", "Protocol", "TubeProtocol", "get_protocol"]
