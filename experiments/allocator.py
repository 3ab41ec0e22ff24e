"""Process-wide allocator tuning, for the entry points that run long batches (the `cmx` command, the benchmarks).

The library never calls this: it changes the C allocator for the whole process, which a host such as the Streamlit
server should decide for itself.
"""

from __future__ import annotations

import ctypes
import functools
import sys


@functools.cache
def keep_freed_memory() -> bool:
    """Ask glibc to keep freed heap memory for reuse rather than hand it back to the system at once (True if done).

    A step builds its new state in fresh arrays (a state is never mutated), a few N x d arrays alive at a time; with
    glibc's default thresholds the top of the heap is trimmed and then faulted back in at every step, which at
    N = 10,000 costs more than the arithmetic (about 12% on Adam+CM). Memory is retained up to 256 MiB, and arrays
    over 32 MiB are mapped as usual. Once per process; nothing happens where the C library is not glibc.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    return bool(mallopt(m_trim_threshold, 256 << 20)) and bool(mallopt(m_mmap_threshold, 32 << 20))
