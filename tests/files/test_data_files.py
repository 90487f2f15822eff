"""Damaged, hostile or missing data files are errors naming the file, found fast.

A label file with labels past 9, a file of no images, a header declaring
more than any file holds, a gzip bomb, a missing data folder; and a CSV with
a byte-order mark is read whole. A download that cannot happen gives up
within its time budget.
"""

import gzip
import socket
import struct
import time

import numpy as np
import pytest
from conftest import SHARED_MNIST, idx_bytes, tiny, write_split

from tinynet.files import datasets, mnist
from tinynet.files.datasets import load_mnist
from tinynet.files.mnist import read_csv, read_idx

ZEROS_MB = gzip.compress(bytes(1 << 20))  # one gzip member: a megabyte of zeros in about a kilobyte


def header(*shape):
    return bytes([0, 0, 8, len(shape)]) + struct.pack(f">{len(shape)}I", *shape)


def test_labels_past_9_name_the_label_file(tmp_path):
    images, labels = tiny()
    labels[3] = 200
    write_split(tmp_path, "test", images, labels)
    with pytest.raises(
        ValueError,
        match=r"t10k-labels-idx1-ubyte.gz: expected labels 0-9 \(the digits\), "
        r"found 200 \(label 4\)",
    ):
        load_mnist("test", path=tmp_path)


def test_a_file_of_no_images_names_the_file(tmp_path):
    write_split(tmp_path, "test", np.zeros((0, 28, 28)), np.zeros(0))
    with pytest.raises(
        ValueError,
        match=r"t10k-images-idx3-ubyte.gz: no data: its header declares "
        r"shape \(0, 28, 28\)",
    ):
        load_mnist("test", path=tmp_path)


@pytest.mark.parametrize("gz", [False, True])
def test_absurd_dimensions_are_refused_before_any_data_is_read(tmp_path, gz):
    path = tmp_path / "absurd"
    content = header(65536, 65536, 65536, 65536) + bytes(100)
    path.write_bytes(gzip.compress(content) if gz else content)
    with pytest.raises(
        ValueError,
        match=r"absurd: its header declares shape \(65536, 65536, 65536, 65536\), "
        r"18,446,744,073,709,551,616 bytes, more than the 100,000,000",
    ):
        read_idx(path)


def bomb(path, shape, megabytes):
    """A gzip file: the IDX header of ``shape``, then ``megabytes`` MB of zeros (a member per MB)."""
    with open(path, "wb") as f:
        f.write(gzip.compress(header(*shape)))
        for _ in range(megabytes):
            f.write(ZEROS_MB)
    return path


@pytest.mark.parametrize(
    "shape,words",
    [
        ((1_000_000, 28, 28), r"its header declares shape \(1000000, 28, 28\), 784,000,000 bytes, more than"),
        (
            (100_000, 28, 28),
            r"its header declares 78,400,000 bytes of data, more than a gzip file of [\d,]+ bytes can hold",
        ),
        ((10, 28, 28), r"expected 7840 data bytes for shape \(10, 28, 28\), found more"),
    ],
)
def test_a_gzip_bomb_is_refused_without_unpacking_it(tmp_path, shape, words):
    megabytes = 800 if shape[0] != 100_000 else 4  # 800 MB of zeros in 0.8 MB; or 4 MB in 4 kB
    path = bomb(tmp_path / "bomb.gz", shape, megabytes)
    start = time.perf_counter()
    with pytest.raises(ValueError, match="bomb.gz: " + words):
        read_idx(path)
    assert time.perf_counter() - start < 1.0  # unpacking all 800 MB would take seconds


def test_real_files_are_within_the_limits():
    if not (SHARED_MNIST / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip("no shared MNIST here")
    assert read_idx(SHARED_MNIST / "t10k-images-idx3-ubyte.gz").shape == (10000, 28, 28)
    assert 60000 * 784 < mnist.MAX_IDX_BYTES  # the largest official file
    assert 60000 * 784 < mnist.GZIP_MAX_RATIO * 9_912_422


def test_a_truncated_gzip_names_the_file(tmp_path):
    path = tmp_path / "cut.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.zeros((4, 28, 28))))[:-20])
    with pytest.raises(ValueError, match="cut.gz: cannot be read: Compressed file ended"):
        read_idx(path)


def test_a_csv_with_a_byte_order_mark_keeps_its_first_image(tmp_path):
    images, labels = tiny(3)
    rows = [",".join(map(str, [lab, *img.ravel()])) for img, lab in zip(images, labels)]
    path = tmp_path / "bom.csv"
    path.write_bytes(("\n".join(rows) + "\n").encode("utf-8-sig"))
    X, y = read_csv(path)
    assert len(X) == 3
    np.testing.assert_array_equal(y, labels)


def test_a_data_path_that_does_not_exist_is_an_error_and_is_not_created(tmp_path):
    missing = tmp_path / "no" / "such"
    with pytest.raises(ValueError, match=f"{missing}: no such folder or file"):
        load_mnist("test", path=missing)
    assert not (tmp_path / "no").exists()


def test_a_tinynet_data_folder_that_does_not_exist_is_an_error_and_is_not_created(tmp_path, monkeypatch):
    missing = tmp_path / "elsewhere"
    monkeypatch.setenv("TINYNET_DATA", str(missing))
    with pytest.raises(ValueError, match=rf"{missing}: no such folder \(named by \$TINYNET_DATA"):
        load_mnist("test")
    assert not missing.exists()


def test_the_download_creates_only_tinynets_own_folder(mnist_server, tmp_path):
    root, url = mnist_server
    X, y = load_mnist("test", mirrors=[url])  # no path: ./datasets/mnist (tmp_path is the cwd)
    np.testing.assert_array_equal(y, tiny(seed=2)[1])
    assert sorted(p.name for p in (tmp_path / "datasets" / "mnist").iterdir()) == sorted(datasets.MD5)


@pytest.mark.slow  # waits out its 1 s budget
def test_the_download_gives_up_after_its_time_in_all(tmp_path, monkeypatch, capsys):
    silent = socket.socket()  # accepts connections (the kernel does) but never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    url = f"http://127.0.0.1:{silent.getsockname()[1]}/"
    monkeypatch.setattr(datasets, "DOWNLOAD_SECONDS", 1)
    try:
        start = time.perf_counter()
        X, y = load_mnist("test", path=tmp_path, mirrors=[url, url, url])
        elapsed = time.perf_counter() - start
    finally:
        silent.close()
    assert elapsed < 2.5  # not a timeout per mirror and file
    err = capsys.readouterr().err
    assert "(download failed: gave up after 1 s (last error: " in err and "using the embedded sample" in err
    assert len(X) == 1000


def test_no_mirrors_is_a_mistake(tmp_path):
    with pytest.raises(ValueError, match="mirrors: expected at least one URL"):
        datasets.download_mnist(tmp_path, mirrors=[])
