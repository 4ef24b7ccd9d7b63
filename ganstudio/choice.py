"""``Choice``: one named option a person picks (an id, its title and a line of help).

A module of its own so that the catalogue and the registries it lists (ganstudio.objectives)
both build on it without importing each other. Plain Python: no torch, no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Choice:
    id: str
    title: str
    help: str
