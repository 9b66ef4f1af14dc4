/**
 * data.py of the exported PyTorch project: CIFAR-10 / CIFAR-100 binary and SVHN .mat readers
 * for the official files (numpy only: no torchvision, no scipy), the training-set channel
 * statistics, and the paper's augmentation done on whole batches on the device.
 */
export const DATA_PY = String.raw`"""Datasets from their official files, and the paper's augmentation.

CIFAR-10   https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz   (cifar-10-batches-bin/)
CIFAR-100  https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz  (cifar-100-binary/)
SVHN       http://ufldl.stanford.edu/housenumbers/{train,test,extra}_32x32.mat

Point --data at the folder that holds the files (or the folder the archive unpacked into).
"""
import os
import struct
import zlib

import numpy as np
import torch

DATASETS = ("cifar10", "cifar100", "svhn")
CLASSES = {"cifar10": 10, "cifar100": 100, "svhn": 10}
HOW_TO_GET = {
    "cifar10": "download https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz and unpack it "
               "(tar xzf cifar-10-binary.tar.gz) into that folder",
    "cifar100": "download https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz and unpack it "
                "(tar xzf cifar-100-binary.tar.gz) into that folder",
    "svhn": "download train_32x32.mat and test_32x32.mat (and extra_32x32.mat) from "
            "http://ufldl.stanford.edu/housenumbers/ into that folder",
}


class DataError(ValueError):
    """The data folder or a file in it is missing or not in the official format."""


def _find(root, names, subdirs):
    for d in [root] + [os.path.join(root, s) for s in subdirs]:
        if all(os.path.isfile(os.path.join(d, n)) for n in names):
            return d
    return None


def _read_records(path, label_bytes, label_index):
    raw = np.fromfile(path, dtype=np.uint8)
    record = label_bytes + 3072
    if raw.size == 0 or raw.size % record != 0:
        raise DataError("%s is not a CIFAR binary file: %d bytes is not a multiple of %d-byte records"
                        % (path, raw.size, record))
    raw = raw.reshape(-1, record)
    labels = raw[:, label_index].astype(np.int64)
    images = raw[:, label_bytes:].reshape(-1, 3, 32, 32)  # 1024 R, 1024 G, 1024 B, row-major
    return images, labels


def load_cifar10(root):
    train_names = ["data_batch_%d.bin" % i for i in range(1, 6)]
    d = _find(root, ["test_batch.bin"], ["cifar-10-batches-bin"])
    if d is None:
        raise DataError("no CIFAR-10 binary files in %s (expected test_batch.bin and data_batch_1..5.bin): %s"
                        % (root, HOW_TO_GET["cifar10"]))
    present = [n for n in train_names if os.path.isfile(os.path.join(d, n))]
    if not present:
        raise DataError("no CIFAR-10 training batches (data_batch_1..5.bin) in %s: %s" % (d, HOW_TO_GET["cifar10"]))
    parts = [_read_records(os.path.join(d, n), 1, 0) for n in present]
    train = (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]))
    test = _read_records(os.path.join(d, "test_batch.bin"), 1, 0)
    _check_labels(train[1], 10, d)
    _check_labels(test[1], 10, d)
    return train, test


def load_cifar100(root):
    d = _find(root, ["train.bin", "test.bin"], ["cifar-100-binary"])
    if d is None:
        raise DataError("no CIFAR-100 binary files in %s (expected train.bin and test.bin): %s"
                        % (root, HOW_TO_GET["cifar100"]))
    # Each record: coarse label byte, fine label byte, 3072 pixel bytes; we train on the fine labels.
    train = _read_records(os.path.join(d, "train.bin"), 2, 1)
    test = _read_records(os.path.join(d, "test.bin"), 2, 1)
    _check_labels(train[1], 100, d)
    _check_labels(test[1], 100, d)
    return train, test


def _check_labels(labels, classes, where):
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise DataError("labels in %s run outside 0..%d: not the expected dataset" % (where, classes - 1))


# --- MATLAB level-5 .mat (the SVHN files), numpy only -------------------------------------

_MI_INT8, _MI_UINT8, _MI_INT16, _MI_UINT16, _MI_INT32, _MI_UINT32 = 1, 2, 3, 4, 5, 6
_MI_SINGLE, _MI_DOUBLE, _MI_INT64, _MI_UINT64, _MI_MATRIX, _MI_COMPRESSED = 7, 9, 12, 13, 14, 15
_NUMPY = {_MI_INT8: "i1", _MI_UINT8: "u1", _MI_INT16: "i2", _MI_UINT16: "u2", _MI_INT32: "i4",
          _MI_UINT32: "u4", _MI_SINGLE: "f4", _MI_DOUBLE: "f8", _MI_INT64: "i8", _MI_UINT64: "u8"}


def _elements(buf, endian):
    """Yields (type, payload) for the data elements in buf (small and normal element forms)."""
    pos = 0
    while pos + 8 <= len(buf):
        (word,) = struct.unpack(endian + "I", buf[pos:pos + 4])
        if word >> 16:  # small data element: type and size share the first word
            typ, size = word & 0xFFFF, word >> 16
            yield typ, buf[pos + 4:pos + 4 + size]
            pos += 8
            continue
        typ = word
        (size,) = struct.unpack(endian + "I", buf[pos + 4:pos + 8])
        yield typ, buf[pos + 8:pos + 8 + size]
        pos += 8 + size
        if typ != _MI_COMPRESSED:
            pos += (8 - size % 8) % 8


def _matrix(payload, endian):
    parts = list(_elements(payload, endian))
    if len(parts) < 4:
        raise DataError("malformed matrix element")
    dims = np.frombuffer(parts[1][1], dtype=endian + "i4").tolist()
    name = bytes(parts[2][1]).decode("ascii", "replace")
    typ, data = parts[3]
    if typ not in _NUMPY:
        raise DataError("variable %s has an unsupported MATLAB type %d" % (name, typ))
    values = np.frombuffer(data, dtype=endian + _NUMPY[typ])
    return name, values.reshape(dims, order="F")  # MATLAB stores column-major


def read_mat(path):
    """Reads the numeric matrices of a MATLAB level-5 .mat file into {name: ndarray}."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 128 or blob[126:128] not in (b"IM", b"MI"):
        raise DataError("%s is not a MATLAB level-5 .mat file (v7.3/HDF5 files are not supported)" % path)
    endian = "<" if blob[126:128] == b"IM" else ">"
    out = {}
    for typ, payload in _elements(blob[128:], endian):
        if typ == _MI_COMPRESSED:
            for inner_typ, inner in _elements(zlib.decompress(payload), endian):
                if inner_typ == _MI_MATRIX:
                    name, value = _matrix(inner, endian)
                    out[name] = value
        elif typ == _MI_MATRIX:
            name, value = _matrix(payload, endian)
            out[name] = value
    return out


def _svhn_file(path):
    try:
        m = read_mat(path)
    except (zlib.error, struct.error, ValueError) as e:
        if isinstance(e, DataError):
            raise
        raise DataError("%s is corrupt: %s" % (path, e))
    if "X" not in m or "y" not in m:
        raise DataError("%s has no X and y variables: not an SVHN cropped-digits file" % path)
    x, y = m["X"], m["y"].reshape(-1)
    if x.ndim != 4 or x.shape[:3] != (32, 32, 3) or x.shape[3] != y.size:
        raise DataError("%s: X has shape %s, expected [32, 32, 3, %d]" % (path, list(x.shape), y.size))
    images = np.ascontiguousarray(x.transpose(3, 2, 0, 1)).astype(np.uint8)  # [N, 3, 32, 32]
    labels = y.astype(np.int64) % 10  # label 10 means the digit 0
    return images, labels


def load_svhn(root, extra=True, holdout=False):
    if not (os.path.isfile(os.path.join(root, "train_32x32.mat")) and os.path.isfile(os.path.join(root, "test_32x32.mat"))):
        raise DataError("no SVHN files in %s (expected train_32x32.mat and test_32x32.mat): %s"
                        % (root, HOW_TO_GET["svhn"]))
    parts = [("train", _svhn_file(os.path.join(root, "train_32x32.mat")), 400)]
    extra_path = os.path.join(root, "extra_32x32.mat")
    if extra and os.path.isfile(extra_path):
        parts.append(("extra", _svhn_file(extra_path), 200))
    images, labels = [], []
    for _, (x, y), per_class in parts:
        keep = np.ones(y.size, dtype=bool)
        if holdout:
            # The paper's split: 400 per class from train and 200 per class from extra held out.
            for c in range(10):
                keep[np.flatnonzero(y == c)[:per_class]] = False
        images.append(x[keep])
        labels.append(y[keep])
    train = (np.concatenate(images), np.concatenate(labels))
    test = _svhn_file(os.path.join(root, "test_32x32.mat"))
    return train, test


def load_dataset(name, root, svhn_extra=True, svhn_holdout=False):
    """Returns ((train_images uint8 [N,3,32,32], train_labels), (test_images, test_labels))."""
    if name not in DATASETS:
        raise DataError("unknown dataset %r (choose one of %s)" % (name, ", ".join(DATASETS)))
    if not os.path.isdir(root):
        raise DataError("data folder %s does not exist: create it and %s" % (root, HOW_TO_GET[name]))
    if name == "cifar10":
        return load_cifar10(root)
    if name == "cifar100":
        return load_cifar100(root)
    return load_svhn(root, extra=svhn_extra, holdout=svhn_holdout)


def channel_stats(images):
    """Per-channel mean and std of the training set in [0, 1] (the paper's normalisation)."""
    mean = np.zeros(3)
    sq = np.zeros(3)
    n = 0
    for i in range(0, len(images), 10000):  # chunked: 600k SVHN images do not fit in float64 at once
        chunk = images[i:i + 10000].astype(np.float64) / 255.0
        mean += chunk.sum(axis=(0, 2, 3))
        sq += (chunk ** 2).sum(axis=(0, 2, 3))
        n += chunk.shape[0] * chunk.shape[2] * chunk.shape[3]
    mean /= n
    std = np.sqrt(np.maximum(sq / n - mean ** 2, 1e-12))
    return mean.tolist(), std.tolist()


def pad_fill(rule, mean):
    """The padding's pixel values: "zero" (the paper's zero padding) or "mean" (each channel's
    training-set mean rounded to a pixel value, the fill values of the authors' train_model.py).
    mean is on the 0..1 scale of channel_stats; halves round up, as the playground's Math.round."""
    return [int(m * 255 + 0.5) if rule == "mean" else 0 for m in mean]


def augment(batch, generator, fill=None):
    """Pad 4 (zeros, or the per-channel pixel values fill), random 32x32 crop, horizontal flip
    of half the images (Section 4.1), on a uint8 or float [N, C, H, W] batch on any device."""
    n, c, h, w = batch.shape
    device = batch.device
    if fill is None or not any(fill):
        padded = torch.nn.functional.pad(batch, (4, 4, 4, 4))
    else:
        padded = torch.tensor(fill, dtype=batch.dtype, device=device).view(1, c, 1, 1).repeat(n, 1, h + 8, w + 8)
        padded[:, :, 4:4 + h, 4:4 + w] = batch
    oy = torch.randint(0, 9, (n,), generator=generator).to(device)
    ox = torch.randint(0, 9, (n,), generator=generator).to(device)
    flip = (torch.rand(n, generator=generator) < 0.5).to(device)
    rows = (oy[:, None] + torch.arange(h, device=device)[None, :])[:, None, :, None]
    cols = ox[:, None] + torch.arange(w, device=device)[None, :]
    cols = torch.where(flip[:, None], cols.flip(1), cols)[:, None, None, :]
    idx_n = torch.arange(n, device=device)[:, None, None, None]
    idx_c = torch.arange(c, device=device)[None, :, None, None]
    return padded[idx_n, idx_c, rows, cols]
`;
