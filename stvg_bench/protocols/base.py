"""What every protocol is: a named, versioned, frozen set of scoring rules, printed with every result.

Identity fields (``name``, ``version``, ``description``, ``reproduces``) say
which protocol it is; every other field is a *behaviour* field that the
scoring code reads (tests flip each one and see a pinned number change).
Any change of behaviour bumps ``version``. A protocol changed by an option
(``--interpolate``, ``--tube-iou``) is a *derived* protocol: its name says so
(``tubedetr+interpolate``), so results never claim a peer's numbers for
something else.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json

from ..core.errors import OptionError, quote

IDENTITY_FIELDS = ("name", "version", "description", "reproduces")
THRESHOLD_RULES = ("greater", "greater_equal")


class ProtocolFields:
    """Shared behaviour of the protocol dataclasses (mixed into frozen dataclasses)."""

    family: str = ""

    def to_dict(self) -> dict:
        """All fields, for the results file."""
        return {"family": self.family, **dataclasses.asdict(self)}

    @classmethod
    def behaviour_fields(cls) -> tuple[str, ...]:
        """Fields the scoring code reads (everything but the identity fields)."""
        return tuple(f.name for f in dataclasses.fields(cls) if f.name not in IDENTITY_FIELDS)

    def cache_key(self) -> str:
        """Directory name for data resolved under this protocol: its name and a hash of every field."""
        digest = hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()
        return f"{self.name}-v{self.version}-{digest[:16]}"

    def derive(self, suffix: str, **changes):
        """This protocol with ``changes`` applied, named ``<name>+<suffix>`` (itself when nothing changes)."""
        if all(getattr(self, k) == v for k, v in changes.items()):
            return self
        return dataclasses.replace(self, name=f"{self.name}+{suffix}", **changes)


def check_choice(protocol_name: str, field: str, value, choices) -> None:
    """Refuse a field value outside its domain (at construction, so a bad protocol never scores)."""
    if value not in choices:
        raise OptionError(f"protocol {protocol_name}: {field} must be one of {', '.join(map(str, choices))}, "
                          f"got {quote(value)}")


def passes(values, threshold: float, rule: str):
    """``values > threshold`` or ``values >= threshold`` by a protocol's threshold rule."""
    return values > threshold if rule == "greater" else values >= threshold
