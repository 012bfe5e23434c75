"""The bootstrap bundle: what the phone needs to work offline, composed from the registry."""

from __future__ import annotations

from typing import Any

from pwa.models import Person
from pwa.sync.registry import registry


def bundle(person: Person) -> dict[str, Any]:
    """Each concept adds its part in turn; a later part may read the earlier ones."""
    out: dict[str, Any] = {}
    for part in registry().bootstrap:
        out.update(part(person, out))
    return out
