"""How one config field is declared (``option``), described (``FieldSpec``) and checked: the
value from a TOML file, or typed by a person after ``--set``. A wrong value raises
``ConfigError`` naming the field. The sections themselves are declared in ganstudio.config.

No torch and no Qt here.
"""

from __future__ import annotations

import copy
import math
try:  # Python 3.11 and later
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser, as the tomli package
    import tomli as tomllib
from dataclasses import dataclass, field
from typing import Any, Callable

from ganstudio import catalog
from ganstudio.errors import UserError


class ConfigError(UserError):
    """A config value a user must fix; ``field`` is its dotted name ("optimizer.lr_g")."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def option(default: Any, title: str, help: str, *, minimum: float | None = None,
           maximum: float | None = None, exclusive_minimum: float | None = None,
           exclusive_maximum: float | None = None, choices: dict | None = None,
           choice_titles: dict | None = None, applies: Callable[[Any], bool] | None = None,
           advanced: bool = False, step: float | None = None) -> Any:
    """Declare a config field. Key names follow JSON schema where one exists.

    ``choices`` maps allowed values to their catalogue entries (or to titles); ``applies`` says,
    given the whole config, whether the field matters for it (the GUI hides it otherwise).
    """
    meta = dict(title=title, description=help, minimum=minimum, maximum=maximum,
                exclusive_minimum=exclusive_minimum, exclusive_maximum=exclusive_maximum,
                choices=choices, choice_titles=choice_titles, applies=applies,
                advanced=advanced, step=step)
    if isinstance(default, list):
        return field(default_factory=lambda: copy.deepcopy(default), metadata=meta)
    return field(default=default, metadata=meta)


def _finite(v: float) -> bool:
    try:
        return math.isfinite(v)
    except OverflowError:  # an int too big for a float
        return False


@dataclass(frozen=True)
class FieldSpec:
    """Everything known about one config field, for forms, help and validation."""

    section: str
    name: str
    type: type  # int, float, bool, str or list
    default: Any
    title: str
    help: str
    minimum: float | None
    maximum: float | None
    exclusive_minimum: float | None
    exclusive_maximum: float | None
    choices: dict | None
    choice_titles: dict | None
    applies: Callable[[Any], bool] | None
    advanced: bool
    step: float | None

    @property
    def path(self) -> str:
        return f"{self.section}.{self.name}"

    def title_of(self, value: Any) -> str:
        """The words to show for one of this field's choices."""
        entry = (self.choices or {}).get(value, value)
        if isinstance(entry, catalog.Choice):
            return entry.title
        return str(entry)

    def help_of(self, value: Any) -> str:
        entry = (self.choices or {}).get(value)
        return entry.help if isinstance(entry, catalog.Choice) else ""

    def applies_to(self, cfg: "ExperimentConfig") -> bool:
        try:
            return self.applies is None or bool(self.applies(cfg))
        except (KeyError, AttributeError):
            return True

    def check(self, value: Any) -> Any:
        """Return ``value`` converted to this field's type, or raise ConfigError naming the field."""
        p = self.path
        if self.type is bool:
            if not isinstance(value, bool):
                raise ConfigError(f"{p} must be true or false, got {value!r}", p)
        elif self.type is int:
            if isinstance(value, bool) or not isinstance(value, int):
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                else:
                    raise ConfigError(f"{p} must be a whole number, got {value!r}", p)
        elif self.type is float:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(f"{p} must be a number, got {value!r}", p)
            try:
                value = float(value)
            except OverflowError:  # a whole number too big for a float (TOML allows any digits)
                value = math.inf
            if not math.isfinite(value):
                raise ConfigError(f"{p} must be a finite number, got {value!r}", p)
        elif self.type is str:
            if not isinstance(value, str):
                raise ConfigError(f"{p} must be text, got {value!r}", p)
        elif self.type is list:
            value = self._check_list(value)
        if self.type in (int, float):
            self._check_range(value)
        if self.choices is not None and self.type is not list and value not in self.choices:
            allowed = ", ".join(str(c) for c in self.choices)
            raise ConfigError(f"{p} must be one of {allowed}; got {value!r}", p)
        return value

    def _check_range(self, v: float) -> None:
        p = self.path
        if self.minimum is not None and v < self.minimum:
            raise ConfigError(f"{p} must be >= {self.minimum:g}, got {v!r}", p)
        if self.exclusive_minimum is not None and v <= self.exclusive_minimum:
            raise ConfigError(f"{p} must be > {self.exclusive_minimum:g}, got {v!r}", p)
        if self.maximum is not None and v > self.maximum:
            raise ConfigError(f"{p} must be <= {self.maximum:g}, got {v!r}", p)
        if self.exclusive_maximum is not None and v >= self.exclusive_maximum:
            raise ConfigError(f"{p} must be < {self.exclusive_maximum:g}, got {v!r}", p)

    def _check_list(self, value: Any) -> list:
        p = self.path
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{p} must be a list, got {value!r}", p)
        if self.choices is not None:  # a set of named options, e.g. ["color", "cutout"]
            out = []
            for item in value:
                if item not in self.choices:
                    allowed = ", ".join(self.choices)
                    raise ConfigError(f"{p} may contain only {allowed}; got {item!r}", p)
                if item not in out:
                    out.append(item)
            return out
        out = []  # a list of [x, y] points
        for item in value:
            ok = (isinstance(item, (list, tuple)) and len(item) == 2
                  and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                          and _finite(v) for v in item))
            if not ok:
                raise ConfigError(f"{p} must hold [x, y] pairs of numbers; got {item!r}", p)
            out.append([float(item[0]), float(item[1])])
        return out

    def parse(self, text: str) -> Any:
        """Read a value typed by a person (``--set`` on the command line) and check it."""
        p = self.path
        text = text.strip()
        if self.type is str:
            value: Any = text
        elif self.type is bool:
            low = text.lower()
            if low in ("true", "yes", "on", "1"):
                value = True
            elif low in ("false", "no", "off", "0"):
                value = False
            else:
                raise ConfigError(f"{p} must be true or false, got {text!r}", p)
        elif self.type is list:
            if text.startswith("["):
                try:
                    value = tomllib.loads(f"v = {text}")["v"]
                except tomllib.TOMLDecodeError:
                    raise ConfigError(f"{p} is not a readable list: {text!r}", p) from None
            else:
                value = [t.strip() for t in text.split(",") if t.strip()]
        else:
            try:
                value = int(text) if self.type is int else float(text)
            except ValueError:
                kind = "a whole number" if self.type is int else "a number"
                raise ConfigError(f"{p} must be {kind}, got {text!r}", p) from None
        return self.check(value)
