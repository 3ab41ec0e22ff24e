"""The spec-string language: ``name`` or ``name:key=value,key=value``, and the registries that speak it.

A text field (a formula) swallows the rest of the string, commas included, so it is written last.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from specs.fields import Field, SpecError
from specs.records import Record

MAX_SPEC_LENGTH = 5000


@dataclass(frozen=True)
class Entry:
    """A registered thing: the function that builds it, its parameters, one line saying what it is and its record
    (label, docs, rank, and what its kind adds)."""

    name: str
    build: Callable[..., Any]
    fields: tuple[Field, ...]
    help: str
    record: Record

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
    parts = [f"{f.name}={f.format(params[f.name])}" for f in ordered
             if f.name in params and params[f.name] != f.default]
    return name + (":" + ",".join(parts) if parts else "")


class Registry:
    """Named builders with their schemas and records: build from a spec string, a mapping or keyword values.

    Every built object carries what it was built from: `.spec` (the canonical string), `.name` and `.params` (every
    parameter's checked value), so the layers inside never parse a spec again. `stamp(built, name, params, spec)`
    attaches them; by default it sets attributes (an immutable object passes a function that returns a copy).
    Every entry comes with a record of `record_type`, and the entries are listed in the order of their records' ranks.
    """

    def __init__(self, kind: str, record_type: type[Record],
                 stamp: Callable[[Any, str, dict[str, Any], str], Any] | None = None) -> None:
        self.kind = kind
        self.record_type = record_type
        self._stamp = stamp or _set_attributes
        self._entries: dict[str, Entry] = {}

    def register(self, name: str, fields: Iterable[Field], help: str,
                 record: Record) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Decorator: register a keyword-only builder with its record; calling it checks the values given and fills in
        defaults. An entry without a whole record of its kind, or with another entry's rank, is refused at import."""
        fields = tuple(fields)
        if not isinstance(record, self.record_type):
            raise TypeError(f"{self.kind} '{name}' needs a {self.record_type.__name__} (got {type(record).__name__})")
        taken = [entry.name for entry in self._entries.values() if entry.record.rank == record.rank]
        if taken:
            raise ValueError(f"{self.kind} '{name}' takes rank {record.rank}, which is {taken[0]}'s")

        def decorate(build: Callable[..., Any]) -> Callable[..., Any]:
            if name in self._entries:
                raise ValueError(f"{self.kind} '{name}' is registered twice")
            self._entries[name] = Entry(name, build, fields, help, record)
            self._entries = dict(sorted(self._entries.items(), key=lambda item: item[1].record.rank))

            @functools.wraps(build)
            def checked(**kwargs: Any) -> Any:
                return self.build({"name": name, **kwargs})

            return checked

        return decorate

    def entries(self) -> list[Entry]:
        return list(self._entries.values())

    def names(self) -> list[str]:
        return list(self._entries)

    def record(self, name: str) -> Any:
        """The record of the entry called `name` (SpecError for an unknown name)."""
        return self.entry(name).record

    def entry(self, name: str) -> Entry:
        try:
            return self._entries[name]
        except (KeyError, TypeError):
            raise SpecError(f"unknown {self.kind} '{name}'; choose one of: {', '.join(self._entries)}") from None

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._entries

    def text_keys(self, spec: str) -> list[str]:
        """The text fields of the entry a spec string names (they swallow the rest of the string when parsed)."""
        probe = spec.partition(":")[0].strip()
        return [f.name for f in self._entries[probe].fields if f.kind == "text"] if probe in self._entries else []

    def parse(self, spec: str) -> tuple[str, dict[str, str]]:
        """A spec string split into its name and raw values, its text fields read to the end."""
        return parse_spec(spec, self.text_keys(spec) if isinstance(spec, str) else ())

    def resolve(self, spec: str | Mapping[str, Any], **overrides: Any) -> tuple[str, dict[str, Any]]:
        """Validate a spec (string, or a mapping with a "name" key) and return its name and full parameters."""
        name, values, _ = self._checked(spec, overrides, lenient=False)
        return name, values

    def resolve_lenient(self, spec: str | Mapping[str, Any]) -> tuple[str, dict[str, Any], list[tuple[str, SpecError]]]:
        """`resolve`, except that a parameter whose value (or name) is refused keeps its default: the name, the full
        parameters and each refused parameter with its error, so that one bad knob in a link loses only itself. A
        spec that names no entry, or cannot be read, is still refused whole."""
        return self._checked(spec, {}, lenient=True)

    def _checked(self, spec: str | Mapping[str, Any], overrides: Mapping[str, Any],
                 lenient: bool) -> tuple[str, dict[str, Any], list[tuple[str, SpecError]]]:
        if isinstance(spec, Mapping):
            params = dict(spec)
            name = params.pop("name", None)
            if not isinstance(name, str):
                raise SpecError(f"a {self.kind} spec mapping needs a 'name'")
        else:
            name, params = self.parse(spec)
        entry = self.entry(name)
        params.update(overrides)
        values = entry.defaults()
        refused = []
        for key, value in params.items():
            try:
                values[key] = entry.field(key).check(value)
            except SpecError as error:
                if not lenient:
                    raise
                refused.append((key, error))
        return name, values, refused

    def format(self, name: str, values: Mapping[str, Any]) -> str:
        """The canonical spec string of `name` with full parameter `values`."""
        return format_spec(name, values, self.entry(name).fields)

    def build(self, spec: str | Mapping[str, Any], **overrides: Any) -> Any:
        """Build the named thing from a spec; every value is checked against the schema first."""
        name, values = self.resolve(spec, **overrides)
        built = self._entries[name].build(**values)
        return self._stamp(built, name, values, self.format(name, values))

    def canonical(self, spec: str | Mapping[str, Any]) -> str:
        """The shortest spec string equal to `spec` (defaults left out)."""
        return self.format(*self.resolve(spec))

    def replace(self, spec: str | Mapping[str, Any], **changes: Any) -> str:
        """The canonical spec with some parameters changed; a name the entry does not have is ignored (an optimizer
        without `rho` stays as it is in a rho sweep). A value given as None goes back to its default."""
        name, values = self.resolve(spec)
        entry = self.entry(name)
        for key, value in changes.items():
            if key in values:
                values[key] = entry.field(key).default if value is None else entry.field(key).check(value)
        return self.format(name, values)


def _set_attributes(built: Any, name: str, params: dict[str, Any], spec: str) -> Any:
    built.name, built.params, built.spec = name, dict(params), spec
    return built
