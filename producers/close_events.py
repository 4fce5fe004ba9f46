"""Files closed after writing, or renamed into place, under the ingest folder: Linux inotify through libc.

Why: polling alone can call a file complete only once its size and mtime
have stood still for ``settle_seconds`` (1 s), the largest part of the time
from a dropped file to a searchable article. A file closed after writing
(``IN_CLOSE_WRITE``) or renamed into the folder (``IN_MOVED_TO``) is complete
at once. A writer that closes and reopens a file to write more must write a
temporary name (``.name.part``) and rename it, as it already should for the
polling.

Where inotify is not available (another OS, a libc without it, the watch
limit reached) :func:`open_close_events` returns None and the watcher polls
alone. Events can be missed (a queue overflow, a folder created and filled
before its watch is added, a network filesystem that sends none): the
polling still finds every file, so an event only ever makes a file earlier.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import logging
import os
import select
import struct
from pathlib import Path

log = logging.getLogger("newsflow.close_events")

IN_CLOSE_WRITE = 0x00000008
IN_MOVED_TO = 0x00000080
IN_CREATE = 0x00000100
IN_Q_OVERFLOW = 0x00004000
IN_IGNORED = 0x00008000
IN_ISDIR = 0x40000000
IN_NONBLOCK = 0o4000
IN_CLOEXEC = 0o2000000
_WATCHED = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE
_HEADER = struct.Struct("iIII")  # struct inotify_event: wd, mask, cookie, len (then the name, NUL-padded)


class CloseEvents:
    """An inotify descriptor watching a folder tree; :meth:`wait` returns the files completed since."""

    def __init__(self, fd: int, libc: ctypes.CDLL, root: Path, skip: tuple[Path, ...]) -> None:
        self._fd = fd
        self._libc = libc
        self._root = root
        self._skip = {p.absolute() for p in skip}
        self._folders: dict[int, Path] = {}
        self.watch_tree(root)

    def watch_tree(self, folder: Path) -> None:
        """Watch ``folder`` and every folder under it, except dot-folders and the skipped ones."""
        for current, subfolders, _ in os.walk(folder):
            here = Path(current)
            subfolders[:] = [s for s in subfolders if not s.startswith(".") and (here / s).absolute() not in self._skip]
            self._add(here)

    def _add(self, folder: Path) -> None:
        wd = self._libc.inotify_add_watch(self._fd, os.fsencode(folder), _WATCHED)
        if wd < 0:
            # ENOSPC: the user's watch limit (fs.inotify.max_user_watches); the folder is polled only.
            code = ctypes.get_errno()
            log.warning(
                "cannot watch a folder for events; it is polled only",
                extra={"folder": str(folder), "error": os.strerror(code)},
            )
            return
        self._folders[wd] = folder

    def fileno(self) -> int:
        return self._fd

    def wait(self, timeout_s: float) -> list[Path]:
        """Files closed after writing or moved in, waiting at most ``timeout_s`` for the first event."""
        ready, _, _ = select.select([self._fd], [], [], timeout_s)
        if not ready:
            return []
        completed: list[Path] = []
        while True:
            try:
                data = os.read(self._fd, 64 * 1024)
            except BlockingIOError:
                return completed
            completed.extend(self._parse(data))

    def _parse(self, data: bytes) -> list[Path]:
        completed = []
        offset = 0
        while offset + _HEADER.size <= len(data):
            wd, mask, _, length = _HEADER.unpack_from(data, offset)
            name = data[offset + _HEADER.size : offset + _HEADER.size + length].rstrip(b"\0")
            offset += _HEADER.size + length
            if mask & IN_Q_OVERFLOW:
                log.info("inotify queue overflowed; the polling picks up what its events missed")
                continue
            if mask & IN_IGNORED:
                self._folders.pop(wd, None)  # the folder is gone (or moved away)
                continue
            folder = self._folders.get(wd)
            if folder is None or not name:
                continue
            path = folder / os.fsdecode(name)
            if mask & IN_ISDIR:
                if mask & (IN_CREATE | IN_MOVED_TO) and not name.startswith(b".") and path.absolute() not in self._skip:
                    self.watch_tree(path)
            elif mask & (IN_CLOSE_WRITE | IN_MOVED_TO):
                completed.append(path)
        return completed

    def close(self) -> None:
        os.close(self._fd)


def open_close_events(root: Path, skip: tuple[Path, ...]) -> CloseEvents | None:
    """Events for ``root``'s tree, or None where inotify is not available (the caller polls alone)."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name, use_errno=True)
        init = libc.inotify_init1
    except (OSError, AttributeError):
        log.info("no inotify on this system; files are found by polling alone")
        return None
    fd = init(IN_NONBLOCK | IN_CLOEXEC)
    if fd < 0:
        code = ctypes.get_errno()
        hint = "raise fs.inotify.max_user_instances" if code == errno.EMFILE else None
        log.warning("inotify refused; polling alone", extra={"error": os.strerror(code), "hint": hint})
        return None
    return CloseEvents(fd, libc, root, skip)
