"""MNIST found, read or downloaded (tinynet.files.datasets) and its IDX and CSV readers (tinynet.files.mnist)."""

import gzip
import http.server

import numpy as np
import pytest
from conftest import SHARED_MNIST, idx_bytes, tiny, write_split

from tinynet.files import datasets
from tinynet.files.datasets import load_mnist
from tinynet.files.mnist import read_csv, read_idx


@pytest.mark.parametrize("gz", [True, False])
def test_reads_idx_files(tmp_path, gz):
    images, labels = tiny()
    write_split(tmp_path, "train", images, labels, gz=gz)
    X, y = load_mnist("train", path=tmp_path)
    assert X.shape == (6, 784) and X.dtype == np.float64
    np.testing.assert_array_equal(X, images.reshape(6, 784) / 255.0)
    np.testing.assert_array_equal(y, labels)
    assert 0.0 <= X.min() and X.max() <= 1.0


def test_reads_the_classic_csv_layout(tmp_path):
    images, labels = tiny(4)
    rows = [",".join(map(str, [lab, *img.ravel()])) for img, lab in zip(images, labels)]
    (tmp_path / "mnist_test.csv").write_text("\n".join(rows) + "\n")
    X, y = load_mnist("test", path=tmp_path)
    np.testing.assert_array_equal(X * 255, images.reshape(4, 784))
    np.testing.assert_array_equal(y, labels)
    header = "label," + ",".join(f"pixel{i}" for i in range(784))
    gz = tmp_path / "with_header.csv.gz"
    gz.write_bytes(gzip.compress(("\n".join([header] + rows)).encode()))
    X2, y2 = read_csv(gz)
    np.testing.assert_array_equal(X2, images.reshape(4, 784))


@pytest.mark.parametrize(
    "content,words",
    [
        (b"\x00\x00\x0d\x03rest", "not an IDX file of unsigned bytes"),
        (idx_bytes(np.zeros((2, 28, 28)))[:-5], r"expected 1568 data bytes for shape \(2, 28, 28\), found 1563"),
        (b"\x00\x00\x08\x03\x00", "truncated IDX header"),
    ],
)
def test_bad_idx_files(tmp_path, content, words):
    path = tmp_path / "bad-idx"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=f"bad-idx: {words}"):
        read_idx(path)


def test_bad_csv_lines(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("3," + ",".join(["0"] * 784) + "\n12," + ",".join(["0"] * 784) + "\n")
    with pytest.raises(ValueError, match="m.csv, line 2: label outside 0-9"):
        read_csv(path)
    path.write_text("3," + ",".join(["0"] * 783) + "\n")
    with pytest.raises(ValueError, match=r"m.csv, line 1: expected 785 values \(label, 784 pixels\), found 784"):
        read_csv(path)


def test_search_order_path_then_env_then_datasets(tmp_path, monkeypatch):
    for name, seed in (("arg", 1), ("env", 2), ("datasets/mnist", 3)):
        write_split(tmp_path / name, "test", *tiny(seed=seed))
    monkeypatch.setenv("TINYNET_DATA", str(tmp_path / "env"))
    expected = {seed: tiny(seed=seed)[1] for seed in (1, 2, 3)}
    assert (load_mnist("test", path=tmp_path / "arg")[1] == expected[1]).all()
    assert (load_mnist("test")[1] == expected[2]).all()
    monkeypatch.delenv("TINYNET_DATA")
    assert (load_mnist("test")[1] == expected[3]).all()  # ./datasets/mnist (tmp_path is the cwd)


def test_download_good_files(mnist_server, tmp_path):
    root, url = mnist_server
    target = tmp_path / "data"
    target.mkdir()
    X, y = load_mnist("train", path=target, mirrors=[url])
    np.testing.assert_array_equal(y, tiny(seed=1)[1])
    assert sorted(p.name for p in target.iterdir()) == sorted(datasets.MD5)


def test_corrupt_download_leaves_nothing_and_falls_back(mnist_server, tmp_path, capsys):
    root, url = mnist_server
    (root / "train-images-idx3-ubyte.gz").write_bytes(b"corrupted")
    target = tmp_path / "data"
    target.mkdir()
    X, y = load_mnist("train", path=target, mirrors=[url])
    assert not list(target.glob("train-images*"))  # nothing half-written
    assert not list(target.glob("*.part"))
    err = capsys.readouterr().err
    assert "MD5 mismatch for train-images-idx3-ubyte.gz" in err
    assert "using 4,000 of the 5,000 embedded MNIST training digits" in err
    assert X.shape == (4000, 784)


def test_server_gone_falls_back_to_the_embedded_sample(tmp_path, capsys):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.server_close()  # the server is gone: its port refuses connections
    X, y = load_mnist("test", path=tmp_path, mirrors=[url])
    err = capsys.readouterr().err
    assert "download failed" in err and "held-out test split (1,000 digits)" in err
    assert X.shape == (1000, 784) and np.bincount(y).tolist() == [100] * 10


def test_embedded_sample_splits_do_not_overlap(capsys):
    X_train, _, _ = datasets.embedded_sample("train")
    X_test, _, _ = datasets.embedded_sample("test")
    X_all, labels, what = datasets.embedded_sample("train", test_set_available=True)
    assert len(X_train) == 4000 and len(X_test) == 1000 and len(X_all) == 5000
    assert np.bincount(labels).tolist() == [500] * 10
    train_rows = {row.tobytes() for row in X_train}
    assert not any(row.tobytes() in train_rows for row in X_test)


def test_no_download_falls_back_at_once(tmp_path, capsys):
    X, y = load_mnist("train", path=tmp_path, download=False)
    assert "download disabled" in capsys.readouterr().err
    assert len(X) == 4000


@pytest.mark.skipif(not (SHARED_MNIST / "t10k-images-idx3-ubyte.gz").exists(), reason="no shared MNIST here")
def test_the_real_test_set():
    data = load_mnist("test", path=SHARED_MNIST)
    X, y = data
    assert X.shape == (10000, 784) and y.shape == (10000,)
    assert y[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert np.bincount(y).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert "t10k-images-idx3-ubyte.gz" in data.source


@pytest.mark.skipif(not (SHARED_MNIST / "t10k-images-idx3-ubyte.gz").exists(), reason="no shared MNIST here")
def test_agrees_with_python_mnist():
    mnist = pytest.importorskip("mnist")
    reader = mnist.MNIST(str(SHARED_MNIST), gz=True)
    images, labels = reader.load_testing()
    X, y = load_mnist("test", path=SHARED_MNIST)
    np.testing.assert_array_equal(np.array(images[:500]), (X[:500] * 255).round())
    np.testing.assert_array_equal(np.array(labels), y)


def test_unknown_split():
    with pytest.raises(ValueError, match="split: expected 'train' or 'test', got 'dev'"):
        load_mnist("dev")
