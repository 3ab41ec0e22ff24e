"""One typed, range-checked parameter: the single place where user values are validated."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any


def printable(text: str) -> str:
    """`text` with every character that is not printable (a line break, a NUL) shown as its escape: one line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class SpecError(ValueError):
    """A user-facing input error; its message is one sentence naming the field and the allowed values.

    A line break typed inside a value is shown escaped, so the message stays one line wherever it is printed.
    """

    def __init__(self, message: str = "") -> None:
        super().__init__(printable(str(message)))


def _format_number(value: float) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int) and value.bit_length() > 64:  # str() of a huge int is slow, or refused past 4300 digits
        return f"a {value.bit_length()}-bit integer"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) < 1e15):
        return str(int(value))
    return repr(float(value))


@dataclass(frozen=True)
class Field:
    """A parameter: its name, kind, default, allowed range and one line of help.

    kind is "float", "int", "choice", "bool" or "text". Ranges are closed unless `low_open`/`high_open`.
    `log` marks a float best shown on a log scale (the app's slider); `max_length` bounds text. `title` is how a
    person reads the field beside its control ("C (buffer size)"), `symbol` how a label writes it ("C" in
    "Adam+CM (C=5, lr=0.05)"); the code name `name` stays in specs and links.
    """

    name: str
    kind: str
    default: Any
    help: str
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple[str, ...] = ()
    log: bool = False
    max_length: int = 2000
    title: str = ""
    symbol: str = ""

    @property
    def shown_name(self) -> str:
        """The name a control shows: its title, else its code name."""
        return self.title or self.name

    @property
    def shown_symbol(self) -> str:
        """The name a label writes: its symbol, else its code name."""
        return self.symbol or self.name

    def means_same_as(self, other: Field) -> bool:
        """Whether `other` is this parameter under the same name (same kind, meaning and allowed values), whatever its
        default: a value of one then means the same in the other (Adam's lr in Lion), where Adam's b2 in Lion's b2
        would not."""
        return (self.name, self.kind, self.help, self.low, self.high, self.low_open, self.high_open, self.choices) == \
            (other.name, other.kind, other.help, other.low, other.high, other.low_open, other.high_open, other.choices)

    def __post_init__(self) -> None:
        if self.kind not in ("float", "int", "choice", "bool", "text"):
            raise TypeError(f"unknown field kind {self.kind!r}")
        if self.default is not None:
            self.check(self.default)

    def range_text(self) -> str:
        """The allowed values in words: "in (0, 10]", "one of a, b", "true or false"."""
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.kind == "bool":
            return "true or false"
        if self.kind == "text":
            return f"text of at most {self.max_length} characters"
        lo = "-inf" if self.low is None else _format_number(self.low)
        hi = "inf" if self.high is None else _format_number(self.high)
        left = "(" if self.low_open or self.low is None else "["
        right = ")" if self.high_open or self.high is None else "]"
        noun = "an integer" if self.kind == "int" else "a number"
        return f"{noun} in {left}{lo}, {hi}{right}"

    def _error(self, value: Any) -> SpecError:
        shown = value if isinstance(value, str) else _format_number(value) if isinstance(value, (int, float)) else \
            repr(value)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        return SpecError(f"{self.name} must be {self.range_text()} (got {shown})")

    def check(self, value: Any) -> Any:
        """Return `value` converted to this field's type, or raise SpecError. Strings are parsed."""
        if self.kind == "text":
            if not isinstance(value, str):
                raise SpecError(f"{self.name} must be {self.range_text()} (got {type(value).__name__})")
            if len(value) > self.max_length:
                raise SpecError(f"{self.name} must be {self.range_text()} (got {len(value)} characters)")
            return value
        if self.kind == "choice":
            text = value.strip() if isinstance(value, str) else value
            if not isinstance(text, str) or text not in self.choices:
                raise self._error(value)
            return text
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0", "yes", "no"):
                return value.strip().lower() in ("true", "1", "yes")
            raise self._error(value)
        number = self._to_number(value)
        if self.low is not None and (number < self.low or (self.low_open and number == self.low)):
            raise self._error(number)
        if self.high is not None and (number > self.high or (self.high_open and number == self.high)):
            raise self._error(number)
        return number

    def _to_number(self, value: Any) -> int | float:
        if isinstance(value, bool) or not isinstance(value, (str, numbers.Real)):  # numpy's bool is no Real
            raise self._error(value)
        if isinstance(value, str):
            text = value.strip()
            if len(text) > 64:
                raise SpecError(f"{self.name} must be {self.range_text()} (got a {len(text)}-character value)")
            if not text.isascii():  # float() reads '０.１' and other scripts' digits; a formula does not: neither does
                raise SpecError(f"{self.name} must be {self.range_text()} written with ASCII digits (got {text!r})")
            try:
                value = int(text) if self.kind == "int" and text.lstrip("+-").isdigit() else float(text)
            except ValueError:
                raise self._error(text) from None
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            raise self._error(value) from None
        if not math.isfinite(number):
            raise self._error(value)
        if self.kind == "int":
            if not number.is_integer():
                raise self._error(value)
            return int(value) if isinstance(value, int) else int(number)
        return number

    def format(self, value: Any) -> str:
        """The value as it appears in a spec string (parses back to the same value)."""
        if self.kind in ("float", "int", "bool"):
            return _format_number(value)
        return str(value)
