"""A model file on disk: written atomically, read only if it is a regular file of bounded size.

Writing: the text goes to a temporary file in the same folder,
``.NAME.tinynet-tmp-<pid>-<random>``, which then replaces the file in one
step, so that a crash or an error mid-save leaves the old file as it was.
Reading: a folder, a device, a pipe or a file larger than asked for is a
ValueError before (and while) anything is read, and so is a file that is not
printable ASCII. [`tinynet.files.format`][tinynet.files.format] decides what the text means; this
module only moves it safely.
"""

import contextlib
import os
import re
import secrets
import stat

NOT_TEXT = re.compile(r"[^\t\n\r\x20-\x7e]")  # what a model file never holds: all but printable ASCII
_NOT_TEXT_BYTES = re.compile(rb"[^\t\n\r\x20-\x7e]")
TMP_MARK = ".tinynet-tmp-"  # temporary files of a save: .NAME.tinynet-tmp-<pid>-<random>
_TMP_NAME = re.compile(r"\..+\.tinynet-tmp-(\d{1,10})-[0-9a-f]+")


# --- writing ---------------------------------------------------------------------------------------


def writable_target(path):
    """The file a save to ``path`` writes (a symbolic link's target) and its ``os.stat`` (None if new).

    A folder, or a path that is not a regular file (a device, a pipe, a socket), is a ValueError.
    """
    path = os.fspath(path)
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    target = os.path.realpath(path) if os.path.islink(path) else os.path.abspath(path)
    try:
        old = os.stat(target)
    except FileNotFoundError:
        old = None
    if old is not None and stat.S_ISDIR(old.st_mode):
        raise ValueError(f"path: {path} is a folder; expected the name of a model file")
    if old is not None and not stat.S_ISREG(old.st_mode):
        raise ValueError(
            f"path: {path} is not a regular file (a device, a pipe or a socket); expected the name of a model file"
        )
    return target, old


def write_atomically(target, old, write):
    """Call ``write(f)`` on a temporary file beside ``target``, then let it replace ``target`` in one step.

    ``old``: the stat of the file replaced (its permission bits are kept), or
    None for a new file (0666 less the umask). Any error, or an interruption,
    removes the temporary file and leaves ``target`` as it was.
    """
    folder, base = os.path.split(target)
    remove_stale_temporaries(folder)
    tmp = os.path.join(folder, f".{base[:200]}{TMP_MARK}{os.getpid()}-{secrets.token_hex(4)}")
    # 0666 less the umask, as for any new file (mkstemp's 0600 would hide a model from its group)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        f = os.fdopen(fd, "w", encoding="ascii", newline="\n")  # from here on f closes fd
    except BaseException:
        os.close(fd)
        os.unlink(tmp)
        raise
    try:
        with f:
            if old is not None:
                os.chmod(tmp, stat.S_IMODE(old.st_mode))  # an overwritten file keeps its permissions
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _sync_folder(folder)


def remove_stale_temporaries(folder):
    """Remove the temporary files of saves into ``folder`` whose process no longer exists.

    Only names ``.NAME.tinynet-tmp-<pid>-<random>`` are touched, and only on
    POSIX systems, where ``os.kill(pid, 0)`` asks whether a process exists
    (on Windows it would end it). Returns the names removed.
    """
    if os.name != "posix":
        return []
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TMP_NAME.fullmatch(entry.name)
        if not match or int(match[1]) == os.getpid() or _process_exists(int(match[1])):
            continue
        with contextlib.suppress(OSError):
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed.append(entry.name)
    return removed


def _process_exists(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # not ours to signal (PermissionError), or no such pid at all: keep it
        return True
    return True


def _sync_folder(folder):
    """Make the rename itself durable (where the system lets a folder be opened and synced)."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --- reading ---------------------------------------------------------------------------------------


def read_text(file, max_bytes):
    """The text of a model file and the name to call it by: printable ASCII, a byte-order mark dropped."""
    if isinstance(file, (str, bytes, os.PathLike)):
        name = os.fsdecode(os.fspath(file))
        data = read_regular_file(name, max_bytes)
    else:
        if not callable(getattr(file, "read", None)):
            raise ValueError(f"file: expected a path or an open file, got {type(file).__name__}")
        name = str(getattr(file, "name", "<model file>"))
        data = file.read(max_bytes + 1)
        if not isinstance(data, (str, bytes)):
            raise ValueError(f"file: expected a path or an open file, got {type(file).__name__}")
        if len(data) > max_bytes:
            raise ValueError(f"{name}: more than {max_bytes:,} bytes; a larger model file needs a larger max_bytes")
    if isinstance(data, bytes):
        data = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
        bad = _NOT_TEXT_BYTES.search(data)
        code = data[bad.start()] if bad else None
    else:
        data = data[1:] if data.startswith("\ufeff") else data
        bad = NOT_TEXT.search(data)
        code = ord(data[bad.start()]) if bad else None
    if bad:
        line = data.count(b"\n" if isinstance(data, bytes) else "\n", 0, bad.start()) + 1
        raise ValueError(
            f"{name}, line {line}: not a text model file (character 0x{code:02x}; a model file is printable ASCII)"
        )
    return (data.decode("ascii") if isinstance(data, bytes) else data), name


def read_regular_file(name, max_bytes):
    """The bytes of the regular file ``name``; a folder, a device, a pipe or a too large file is a ValueError."""
    _check_regular(name, os.stat(name), max_bytes)
    # O_NONBLOCK: should the path become a pipe between stat and open, open does not wait for a writer.
    fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        f = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with f:
        _check_regular(name, os.fstat(f.fileno()), max_bytes)
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        _check_regular(name, None, max_bytes, size=len(data))
    return data


def _check_regular(name, st, max_bytes, size=None):
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise ValueError(f"{name}: is a folder; expected a model file")
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise ValueError(f"{name}: not a regular file (a device, a pipe or a socket); expected a model file")
    size = st.st_size if size is None else size
    if size > max_bytes:
        raise ValueError(
            f"{name}: {size:,} bytes, more than the {max_bytes:,} a model file may have (load_from_file's max_bytes)"
        )
