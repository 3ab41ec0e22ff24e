"""Reading the app's state from a link, value by value, with the same schemas and spec strings as the CLI.

A link may come from a stranger: every value is checked against its schema; one that is refused falls back to its
default and leaves a notice naming the key, the value and why (never an exception, never a silent change).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from specs import Field, Registry, SpecError

MAX_POINTS = 50  # start points in one link
MAX_SPECS = 8  # optimizers in one link

Params = Mapping[str, Sequence[str]]  # a query string as key -> every value given for it
Box = tuple[float, float, float, float]  # xmin, xmax, ymin, ymax


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


class UrlReader:
    """Typed values from query parameters; each refused value becomes a notice and its default is used."""

    def __init__(self, params: Params) -> None:
        self.params = {key: [values] if isinstance(values, str) else list(values) for key, values in params.items()}
        self.notices: list[str] = []

    def _refuse(self, key: str, value: str, reason: str, default: str) -> None:
        self.notices.append(f"The link's {key}={_shorten(value)!r} was not used: {reason}. Using {default} instead.")

    def raw(self, key: str) -> str | None:
        """The last value given for `key`, or None."""
        values = self.params.get(key)
        return values[-1] if values else None

    def field(self, key: str, field: Field) -> Any:
        """The value of `key` checked by `field`, or the field's default."""
        text = self.raw(key)
        if text is None:
            return field.default
        try:
            return field.check(text)
        except SpecError as error:
            self._refuse(key, text, str(error), field.format(field.default) or "nothing")
            return field.default

    def parsed(self, key: str, field: Field, parse: Callable[[str], Any], instead: str) -> Any:
        """The text of `key` (checked by `field`) read by `parse`, or None with a notice ending in `instead` (what
        the page does without it) when either refuses it."""
        text = self.raw(key)
        if text is None:
            return parse(field.default)
        try:
            return parse(field.check(text))
        except SpecError as error:
            self.notices.append(f"The link's {key}={_shorten(text)!r} was not used: {error}. {instead}")
            return None

    def choice(self, key: str, choices: Sequence[str], default: str) -> str:
        return self.field(key, Field(key, "choice", default, key, choices=tuple(choices)))

    def spec(self, key: str, registry: Registry, default: str, fixed: Mapping[str, Any] | None = None,
             validate: Callable[[str], object] | None = None, text: str | None = None) -> tuple[str, dict[str, Any]]:
        """(name, full parameter values) of the spec under `key`, checked parameter by parameter.

        An unknown name or unreadable spec falls back to `default` whole; a bad parameter falls back to its own
        default. `fixed` parameters are imposed (a page that can only draw 2-D sets dim=2); `validate` is called
        with the resulting spec string and may raise SpecError (a formula that does not parse), which also falls
        back to `default`.
        """
        text = self.raw(key) if text is None else text
        default_name, default_values = registry.resolve(default)
        default_values.update({k: v for k, v in (fixed or {}).items() if k in default_values})
        if text is None:
            return default_name, default_values
        try:
            name, values, refused = registry.resolve_lenient(text)
        except SpecError as error:
            self._refuse(key, text, str(error), repr(default))
            return default_name, default_values
        for param, error in refused:
            self._refuse(key, text, str(error), f"{param}={registry.entry(name).field(param).format(values[param])}"
                         if param in values else "the rest")
        given = registry.parse(text)[1]  # read already: only its keys are wanted here
        for param, value in (fixed or {}).items():
            if param in values:
                if param in given and values[param] != value:
                    self._refuse(key, text, f"this page draws {param}={value} only", f"{param}={value}")
                values[param] = value
        if validate is not None:
            try:
                validate(registry.format(name, values))
            except SpecError as error:
                self._refuse(key, text, str(error), repr(default))
                return default_name, default_values
        return name, values

    def specs(self, key: str, registry: Registry, defaults: Sequence[str]) -> list[tuple[str, dict[str, Any]]]:
        """Every spec given under `key` (at most MAX_SPECS), or the defaults when none is."""
        texts = self.params.get(key) or []
        if not texts:
            return [registry.resolve(spec) for spec in defaults]
        if len(texts) > MAX_SPECS:
            self.notices.append(f"The link names {len(texts)} values for {key}; only the first {MAX_SPECS} are used.")
        return [self.spec(key, registry, defaults[0], text=text) for text in texts[:MAX_SPECS]]

    def points(self, key: str, default: Sequence[Sequence[float]], within: Box | None = None
               ) -> tuple[tuple[float, float], ...]:
        """Points written 'x,y;x,y', each finite (and inside `within`); the default when absent or unreadable."""
        text = self.raw(key)
        fallback = tuple((float(x), float(y)) for x, y in default)
        if text is None:
            return fallback
        try:
            return parse_points(text, within)
        except SpecError as error:
            self._refuse(key, text, str(error), format_points(fallback) or "no points")
            return fallback

    def box(self, key: str, within: Box | None = None) -> Box | None:
        """A region 'xmin,xmax,ymin,ymax' with min < max on both axes (inside `within`); None when absent or
        unreadable (the whole domain)."""
        text = self.raw(key)
        if text is None:
            return None
        try:
            return parse_box(text, within)
        except SpecError as error:
            self._refuse(key, text, str(error), "the whole domain")
            return None


def parse_pair(text: str, key: str, meaning: str) -> tuple[int, int] | None:
    """'k,r' -> (k, r), two small non-negative integers (`meaning` names them); '' -> None; SpecError otherwise."""
    if not text:
        return None
    parts = [part.strip() for part in text.split(",")]
    if len(parts) != 2 or not all(p.isascii() and p.isdigit() and len(p) <= 4 for p in parts):
        raise SpecError(f"{key} must be two whole numbers: {meaning} (got {_shorten(text)!r})")
    return int(parts[0]), int(parts[1])


def _numbers(text: str, what: str) -> list[float]:
    try:
        values = [float(part) for part in text.split(",")] if text.isascii() and len(text) <= 2000 else None
    except ValueError:
        values = None
    if values is None:
        raise SpecError(f"{what} must be comma-separated numbers (got {_shorten(text)!r})")
    if not all(math.isfinite(v) for v in values):
        raise SpecError(f"{what} must be finite numbers (got {_shorten(text)!r})")
    return values


def _describe(within: Box) -> str:
    return f"x in [{within[0]:g}, {within[1]:g}] and y in [{within[2]:g}, {within[3]:g}]"


def parse_points(text: str, within: Box | None = None) -> tuple[tuple[float, float], ...]:
    """'x,y;x,y' -> ((x, y), (x, y)); at least one and at most MAX_POINTS finite points, inside `within`."""
    parts = [part for part in text.replace(" ", "").split(";") if part]
    if not parts:
        raise SpecError("points must be written x,y;x,y (got none)")
    if len(parts) > MAX_POINTS:
        raise SpecError(f"points must be at most {MAX_POINTS} (got {len(parts)})")
    points = []
    for part in parts:
        values = _numbers(part, "a point")
        if len(values) != 2:
            raise SpecError(f"a point must be two numbers x,y (got {_shorten(part)!r})")
        if within is not None and not (within[0] <= values[0] <= within[1] and within[2] <= values[1] <= within[3]):
            raise SpecError(f"a point must lie within {_describe(within)} (got {_shorten(part)!r})")
        points.append((values[0], values[1]))
    return tuple(points)


def parse_box(text: str, within: Box | None = None) -> Box:
    """'xmin,xmax,ymin,ymax' with xmin < xmax and ymin < ymax, inside `within`."""
    values = _numbers(text.replace(" ", ""), "a region")
    if len(values) != 4 or not (values[0] < values[1] and values[2] < values[3]):
        raise SpecError("a region must be xmin,xmax,ymin,ymax with xmin < xmax and ymin < ymax "
                        f"(got {_shorten(text)!r})")
    if within is not None and not (within[0] <= values[0] and values[1] <= within[1] and within[2] <= values[2]
                                   and values[3] <= within[3]):
        raise SpecError(f"a region must lie within {_describe(within)} (got {_shorten(text)!r})")
    return values[0], values[1], values[2], values[3]


def start_bounds(landscape) -> Box:
    """Where the app lets runs start: the plotted box widened by its own width on every side."""
    low, high = landscape.domain.low, landscape.domain.high
    width = high - low
    return (float(low[0] - width[0]), float(high[0] + width[0]), float(low[1] - width[1]), float(high[1] + width[1]))


def format_numbers(values: Sequence[float]) -> str:
    return ",".join(Field("v", "float", None, "").format(float(v)) for v in values)


def format_points(points: Sequence[Sequence[float]]) -> str:
    return ";".join(format_numbers(point) for point in points)
