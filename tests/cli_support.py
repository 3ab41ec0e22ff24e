"""The `cmx` command run in the test's own process, as the command-line tests call it."""

from __future__ import annotations

from cli import main


def refused(args: list[str], capsys) -> str:
    """The one line `cmx args` refuses with: exit code 2, nothing on stdout, one line on stderr (argparse's own
    refusals exit through SystemExit)."""
    try:
        code = main(args)
    except SystemExit as exited:
        code = exited.code
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and captured.out == "", captured
    return lines[0]
