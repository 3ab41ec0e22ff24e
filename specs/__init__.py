"""Parameter schemas and the spec-string language shared by the API, the CLI, the app and the URL.

A spec string names a registered thing and sets some of its parameters: ``adam_cm:lr=0.01,top_c=5``.
Each registered thing declares its parameters as `Field`s; the same fields check values from Python,
from the command line, from a widget and from a link, so every path gives the same one-sentence error.

This package is a leaf: it imports nothing of ours, so `landscapes` and `optimizers` can both use it
without depending on each other.
"""

from specs.fields import Field, SpecError
from specs.language import Registry, format_spec, parse_spec
from specs.records import Record

__all__ = ["Field", "Record", "Registry", "SpecError", "format_spec", "parse_spec"]
