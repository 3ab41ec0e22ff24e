"""Output files written whole or not at all.

Every file a request writes is claimed before any work: its folder must exist and take a new file (proved by
creating its temporary there, beside it), it must differ from every other output, and its extension must name a
format we write. The results fill the temporaries as they come; `commit` renames them all over their targets at the
end. Leaving the `with` block any other way (an error, an interrupt) removes every temporary, and the folders made
for the outputs if they are still empty: nothing half-written is left.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from pathlib import Path
from types import TracebackType

from specs import SpecError
from specs.fields import printable

SHOWN = 60  # characters of a path a message repeats


def shown(path: Path | str) -> str:
    text = printable(str(path))
    return text if len(text) <= SHOWN else "..." + text[-(SHOWN - 3):]


class OutputFiles:
    """The files one request writes: claimed up front, filled, then renamed together (`commit`)."""

    def __init__(self) -> None:
        self._temporaries: dict[Path, Path] = {}  # target -> its temporary beside it
        self._options: dict[Path, str] = {}  # the resolved target -> the option that named it
        self._folders: list[Path] = []  # folders made for the outputs, outermost first
        self._committed = False

    def __enter__(self) -> OutputFiles:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if not self._committed:
            self.discard()

    def claim(self, path: str | Path, option: str, formats: tuple[str, ...]) -> Path:
        """A file to write, checked now: not a folder, its folder exists and takes a new file, an extension of
        `formats`, and no other output's file."""
        target = Path(path)
        if not str(path) or target.is_dir():
            raise SpecError(f"{option} names a folder ({shown(path)}); give a file name inside it")
        if not target.parent.is_dir():
            raise SpecError(f"{option}: the folder {shown(target.parent)} does not exist")
        if target.suffix.lower().lstrip(".") not in formats:
            raise SpecError(f"{option} must end in one of .{', .'.join(formats)} (got {shown(target.name)})")
        self._open(target, option)
        return target

    def folder(self, path: str | Path, option: str) -> Path:
        """A folder to write files into (`write` claims each as it comes), made now if missing."""
        target = Path(path)
        if target.exists() and not target.is_dir():
            raise SpecError(f"{option} names a file ({shown(path)}); give a folder")
        missing = [p for p in (target, *target.parents) if not p.exists()][::-1]
        try:
            for folder in missing:
                folder.mkdir()
                self._folders.append(folder)
        except OSError as error:
            raise SpecError(f"{option}: cannot make the folder {shown(path)} ({error.strerror or error})") from None
        self._probe(target, option)
        return target

    def write(self, target: Path, data: str | bytes) -> None:
        """Fill `target`'s temporary (a file claimed, or a new one in a claimed folder)."""
        if target not in self._temporaries:
            self._open(target, f"the file {target.name}")
        with open(self._temporaries[target], "wb") as out:
            out.write(data.encode("utf-8") if isinstance(data, str) else data)

    def write_figure(self, target: Path, figure, dpi: int = 120) -> None:
        """A matplotlib figure into `target`'s temporary, in the format its extension names, with no metadata that
        would change the bytes from one run to the next (a PNG's software version)."""
        out = io.BytesIO()
        figure.savefig(out, format=target.suffix.lower().lstrip("."), dpi=dpi,
                       metadata={"Software": None} if target.suffix.lower() == ".png" else None)
        self.write(target, out.getvalue())

    def commit(self) -> list[Path]:
        """Rename every temporary over its target, as a plain file would be made (umask permissions); the targets,
        in the order claimed."""
        mode = 0o666 & ~_umask()
        for target, temporary in self._temporaries.items():
            os.chmod(temporary, mode)  # mkstemp makes the file private; give it what open() would
            os.replace(temporary, target)
        self._committed = True
        return list(self._temporaries)

    def discard(self) -> None:
        """Remove every temporary, and the folders made for the outputs that are still empty."""
        for temporary in self._temporaries.values():
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        for folder in reversed(self._folders):
            with contextlib.suppress(OSError):
                folder.rmdir()
        self._temporaries.clear()

    def _open(self, target: Path, option: str) -> None:
        resolved = target.parent.resolve() / target.name
        same = next((other for path, other in self._options.items() if path == resolved or (
            path.exists() and resolved.exists() and os.path.samefile(path, resolved))), None)
        if same is not None:
            raise SpecError(f"{option} names the same file as {same} ({shown(target.name)}); give each output its own")
        self._temporaries[target] = self._temporary(target, option)
        self._options[resolved] = option

    def _temporary(self, target: Path, option: str) -> Path:
        try:
            handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
        except OSError as error:
            raise SpecError(f"{option}: the folder {shown(target.parent)} does not take new files "
                            f"({error.strerror or error})") from None
        os.close(handle)
        return Path(name)

    def _probe(self, folder: Path, option: str) -> None:
        """Prove `folder` takes new files (a file made and removed)."""
        os.unlink(self._temporary(folder / "probe", option))


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
