"""What the main process and its worker processes share, and how they talk.

They share NumPy arrays in shared-memory segments ([`SharedArrays`][tinynet.parallel.protocol.SharedArrays]
creates them in the main process, [`attach`][tinynet.parallel.protocol.attach] maps them in a worker), and
they talk in short messages: the main process sends each worker one message (a tuple, or None: "stop") and
waits for every reply; a worker answers None when it handled the message, or
its traceback when the message failed. [`ask`][tinynet.parallel.protocol.ask] is the main process's side,
[`serve`][tinynet.parallel.protocol.serve] the worker's. A worker that dies (killed, out of memory, its
interpreter failing to start) closes its end of the pipe: [`ask`][tinynet.parallel.protocol.ask] turns
that into a [`WorkerError`][tinynet.parallel.protocol.WorkerError] naming the worker and its exit code, whatever
the operating system reported (a broken pipe, a reset connection, end of file).

A worker rebuilds the trained network's shape from [`network_spec`][tinynet.parallel.protocol.network_spec]; the
parameters themselves reach it through shared memory.
"""

import os
import secrets
import signal
import traceback
from multiprocessing import shared_memory
from multiprocessing.connection import wait

import numpy as np


class WorkerError(RuntimeError):
    """A worker process failed or died; the message says which, and carries its traceback if it had one."""


def positive_int(name, value):
    """``value``, checked to be an int >= 1, or a ValueError naming ``name`` (a bool is not one:
    ``workers=True`` is a mistake)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name}: expected a positive integer, got {type(value).__name__} {value!r}")
    return value


def network_spec(network):
    """What a worker needs to rebuild the network's shape: its class and arguments."""
    return network.spec()


class SharedArrays:
    """NumPy arrays in shared-memory segments, created here and unlinked by ``close``.

    Each segment's name is chosen and recorded before the segment is created,
    so that ``close`` frees it even when an exception (Ctrl-C) lands between
    its creation and the line that keeps it.
    """

    def __init__(self):
        self.names, self.segments, self.arrays, self.described = [], {}, {}, {}

    def add(self, name, array):
        array = np.ascontiguousarray(array)
        segment = f"tinynet-{os.getpid()}-{secrets.token_hex(6)}"
        self.names.append(segment)
        shm = self.segments[segment] = shared_memory.SharedMemory(segment, create=True, size=max(array.nbytes, 1))
        shared = np.ndarray(array.shape, array.dtype, buffer=shm.buf)
        shared[...] = array
        self.arrays[name] = shared
        self.described[name] = (segment, shared.shape, shared.dtype.str)
        return shared

    def describe(self):
        """What a worker needs to attach: {name: (segment name, shape, dtype)}."""
        return dict(self.described)

    def close(self):
        self.arrays.clear()
        self.described.clear()
        while self.names:
            segment = self.names.pop()
            shm = self.segments.pop(segment, None)
            try:
                if shm is None:  # created, but interrupted before it was kept
                    shm = shared_memory.SharedMemory(segment)
            except FileNotFoundError:
                continue  # interrupted before it was created
            try:
                shm.close()
            finally:
                shm.unlink()


def attach(description):
    """The arrays a ``SharedArrays`` described, seen from another process: ``(arrays, segments)``."""
    arrays, segments = {}, []
    for name, (segment, shape, dtype) in description.items():
        # (The process that created the segment unlinks it: attaching only maps it.)
        shm = shared_memory.SharedMemory(name=segment)
        segments.append(shm)
        arrays[name] = np.ndarray(shape, np.dtype(dtype), buffer=shm.buf)
    return arrays, segments


def ask(conns, processes, messages):
    """Send worker k ``messages[k]`` (if any) over ``conns[k]``, then wait for every reply.

    The first failure raises [`WorkerError`][tinynet.parallel.protocol.WorkerError]: a traceback from a worker,
    or a worker that died.
    """
    for slot, (conn, message) in enumerate(zip(conns, messages)):
        try:
            conn.send(message)
        except (OSError, EOFError):  # BrokenPipeError, ConnectionResetError: nobody is reading
            raise WorkerError(died(slot, processes[slot])) from None
    waiting = {conn: slot for slot, conn in enumerate(conns)}
    while waiting:
        for conn in wait(list(waiting)):
            slot = waiting.pop(conn)
            try:
                reply = conn.recv()
            except (OSError, EOFError):
                raise WorkerError(died(slot, processes[slot])) from None
            if reply is not None:
                raise WorkerError(f"worker {slot} failed:\n{reply}")


def died(slot, process):
    """The words for a worker that went away: which one, and how."""
    process.join(timeout=1)  # its exit code is known once it has been reaped
    code = process.exitcode
    how = f"exit code {code}"
    if code is not None and code < 0:
        how += f": killed by {signal.Signals(-code).name}"
    return f"worker {slot} (process {process.pid}) died unexpectedly ({how})"


def serve(conn, description, make_handler):
    """A worker process's life: attach the shared arrays, then answer each message until None.

    ``make_handler(arrays)`` builds what handles the messages; each reply is
    None when the message was handled, or the traceback when it failed.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    arrays, segments = attach(description)
    handle = make_handler(arrays)
    try:
        conn.send(None)  # ready
        while (message := conn.recv()) is not None:
            try:
                handle(message)
                conn.send(None)
            except Exception:
                conn.send(traceback.format_exc())
    except (EOFError, OSError):
        pass  # the main process went away
    finally:
        del handle, arrays  # the arrays viewing the segments go before the segments close
        for shm in segments:
            shm.close()


class Worker:
    """What a worker keeps: a network of the trained shape and its current batch (x, y)."""

    def __init__(self, spec, arrays):
        self.network = build_network(spec)
        self.X, self.Y = arrays["X"], arrays["Y"]
        self.x = self.y = None

    def load(self, idx):
        """Make the samples ``idx`` of the shared data the current batch."""
        self.x, self.y = self.X[idx], self.Y[idx]


def build_network(spec):
    """A network of the shape ``spec`` describes: (class, arguments), from a kind's ``spec()``.

    Its parameters are drawn with seed 0; the worker binds the shared ones at once.
    """
    cls, kwargs = spec
    return cls(**kwargs, seed=0)
