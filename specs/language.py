"""The spec-string language: ``name`` or ``name:key=value,key=value``, and the registries that speak it.

A text field (a formula) swallows the rest of the string, commas included, so it is written last.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from specs.fields import Field, SpecError

MAX_SPEC_LENGTH = 5000


@dataclass(frozen=True)
class Entry:
    """A registered thing: the function that builds it, its parameters and one line saying what it is."""

    name: str
    build: Callable[..., Any]
    fields: tuple[Field, ...]
    help: str

    def field(self, key: str) -> Field:
        for item in self.fields:
            if item.name == key:
                return item
        known = ", ".join(f.name for f in self.fields) or "none"
        raise SpecError(f"{self.name} has no parameter '{key}'; its parameters are: {known}")

    def defaults(self) -> dict[str, Any]:
        return {f.name: f.default for f in self.fields}


def parse_spec(text: str, text_keys: Iterable[str] = ()) -> tuple[str, dict[str, str]]:
    """Split a spec string into its name and raw ``key -> value`` strings (no validation of values).

    Keys listed in `text_keys` take the rest of the string as their value.
    """
    if not isinstance(text, str):
        raise SpecError(f"a spec must be text like 'adam:lr=0.01' (got {type(text).__name__})")
    if len(text) > MAX_SPEC_LENGTH:
        raise SpecError(f"a spec must be at most {MAX_SPEC_LENGTH} characters (got {len(text)})")
    name, _, rest = text.strip().partition(":")
    name = name.strip()
    if not name:
        raise SpecError(f"a spec must start with a name, as in 'adam:lr=0.01' (got {text!r})")
    raw: dict[str, str] = {}
    text_keys = set(text_keys)
    rest = rest.strip()
    while rest:
        item, _, tail = rest.partition(",")
        key, eq, value = item.partition("=")
        key = key.strip()
        if not eq or not key:
            raise SpecError(f"'{item.strip()}' in spec '{name}' must be written key=value")
        if key in text_keys:
            value = rest.partition("=")[2]
            tail = ""
        if key in raw:
            raise SpecError(f"parameter '{key}' is given twice in spec '{name}'")
        raw[key] = value.strip()
        rest = tail.strip()
    return name, raw


def format_spec(name: str, params: Mapping[str, Any], fields: Iterable[Field]) -> str:
    """The canonical spec string: the name, then the non-default parameters in schema order (text last)."""
    ordered = sorted(fields, key=lambda f: f.kind == "text")
    parts = [f"{f.name}={f.format(params[f.name])}" for f in ordered if f.name in params and params[f.name] != f.default]
    return name + (":" + ",".join(parts) if parts else "")


class Registry:
    """Named builders with their schemas: build from a spec string or from keyword values."""

    def __init__(self, kind: str, stamp_spec: bool = False) -> None:
        self.kind = kind
        self.stamp_spec = stamp_spec  # set `.spec` (the canonical string) on every built object
        self._entries: dict[str, Entry] = {}

    def register(self, name: str, fields: Iterable[Field], help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Decorator: register a keyword-only builder; calling it checks the values given and fills in defaults."""
        fields = tuple(fields)

        def decorate(build: Callable[..., Any]) -> Callable[..., Any]:
            if name in self._entries:
                raise ValueError(f"{self.kind} '{name}' is registered twice")

            @functools.wraps(build)
            def checked(**kwargs: Any) -> Any:
                values = {f.name: f.default for f in fields}
                values.update({k: self._entries[name].field(k).check(v) for k, v in kwargs.items()})
                built = build(**values)
                if self.stamp_spec:
                    built.spec = format_spec(name, values, fields)
                return built

            self._entries[name] = Entry(name, checked, fields, help)
            return checked

        return decorate

    def entries(self) -> list[Entry]:
        return list(self._entries.values())

    def names(self) -> list[str]:
        return list(self._entries)

    def entry(self, name: str) -> Entry:
        try:
            return self._entries[name]
        except KeyError:
            raise SpecError(f"unknown {self.kind} '{name}'; choose one of: {', '.join(self._entries)}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def resolve(self, spec: str | Mapping[str, Any], **overrides: Any) -> tuple[str, dict[str, Any]]:
        """Validate a spec (string, or a mapping with a "name" key) and return its name and full parameters."""
        if isinstance(spec, Mapping):
            params = dict(spec)
            name = params.pop("name", None)
            if not isinstance(name, str):
                raise SpecError(f"a {self.kind} spec mapping needs a 'name'")
            entry = self.entry(name)
        else:
            probe_name = spec.partition(":")[0].strip() if isinstance(spec, str) else ""
            text_keys = [f.name for f in self._entries[probe_name].fields if f.kind == "text"] if probe_name in self._entries else []
            name, params = parse_spec(spec, text_keys)
            entry = self.entry(name)
        params.update(overrides)
        values = entry.defaults()
        for key, value in params.items():
            values[key] = entry.field(key).check(value)
        return name, values

    def build(self, spec: str | Mapping[str, Any], **overrides: Any) -> Any:
        """Build the named thing from a spec; every value is checked against the schema first."""
        name, values = self.resolve(spec, **overrides)
        return self._entries[name].build(**values)

    def canonical(self, spec: str | Mapping[str, Any]) -> str:
        """The shortest spec string equal to `spec` (defaults left out)."""
        name, values = self.resolve(spec)
        return format_spec(name, values, self._entries[name].fields)
