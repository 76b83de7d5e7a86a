"""What both peers share: a preset's input width, its output units and a generated batch of its real shape."""

import numpy as np


def feature_length(cfg):
    """A bag's ids per row: the words and each n-gram up to cfg["ngrams"], as src/shared/ngrams.ts."""
    return sum(max(0, cfg["maxLen"] - k + 1) for k in range(1, cfg["ngrams"] + 1))


def rows_for(cfg):
    return feature_length(cfg) if cfg["model"] == "ngram-bag" else cfg["maxLen"]


def output_units(cfg, classes):
    """One logit for two classes unless softmax is asked for, as src/shared/training/size.ts."""
    if cfg["output"] == "softmax":
        return classes
    return 1 if classes == 2 else classes


def generated_batch(cfg, vocab, classes, rng):
    """One batch of full-length rows of random ids (no padding) and random labels."""
    rows = vocab + (cfg["hashBuckets"] if cfg["model"] == "ngram-bag" and cfg["ngrams"] > 1 else 0)
    x = rng.integers(2, rows, size=(cfg["batchSize"], rows_for(cfg)), dtype=np.int64)
    y = rng.integers(0, classes, size=(cfg["batchSize"],), dtype=np.int64)
    return x, y
