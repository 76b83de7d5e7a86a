"""One preset's model trained in Keras 3 on TensorFlow, on generated data of the preset's real shape.

The Studio bench (bench/training.ts, --peer keras) runs it with the preset's resolved config as JSON
and prints one JSON line: samples/s over whole optimizer steps after a warm-up, and the versions.
Same layers, sizes, optimizer, batch and sequence length as the Studio's builders
(src/main/core/engine/model-builders.ts); no padding (every row full length).

    python keras_train.py --config '{"model": "bilstm", ...}' --vocab 20000 [--seconds 20] [--classes 2]
"""

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

from shapes import feature_length, generated_batch, output_units, rows_for  # noqa: E402


def recurrent(cfg, x):
    cells = {"rnn": layers.SimpleRNN, "lstm": layers.LSTM, "gru": layers.GRU, "bilstm": layers.LSTM}
    kind = cfg["model"]
    h = x
    for layer in range(cfg["layers"]):
        sequences = layer < cfg["layers"] - 1 or cfg["readout"] != "last"
        if kind == "gru":
            cell = layers.GRU(cfg["hiddenUnits"], return_sequences=sequences, reset_after=False)
        else:
            cell = cells[kind](cfg["hiddenUnits"], return_sequences=sequences)
        h = layers.Bidirectional(cell)(h) if kind == "bilstm" else cell(h)
        if cfg["dropout"] > 0 and layer < cfg["layers"] - 1:
            h = layers.Dropout(cfg["dropout"])(h)
    readout = cfg["readout"]
    if readout == "max":
        return layers.GlobalMaxPooling1D()(h)
    if readout == "mean":
        return layers.GlobalAveragePooling1D()(h)
    if readout == "first-last":
        return layers.Concatenate()([h[:, 0, :], h[:, -1, :]])
    return h


def build(cfg, vocab, classes):
    kind = cfg["model"]
    width = rows_for(cfg)
    ids = keras.Input(shape=(width,), dtype="int32")
    rows = vocab + (cfg["hashBuckets"] if kind == "ngram-bag" and cfg["ngrams"] > 1 else 0)
    x = layers.Embedding(rows, cfg["embeddingDim"], trainable=cfg["trainEmbeddings"])(ids)
    if kind == "ngram-bag":
        h = layers.GlobalAveragePooling1D()(x)
    elif kind == "cnn":
        pooled = [
            layers.GlobalMaxPooling1D()(layers.Conv1D(cfg["filters"], w, activation="relu")(x))
            for w in cfg["filterSizes"]
        ]
        h = pooled[0] if len(pooled) == 1 else layers.Concatenate()(pooled)
    elif kind == "dense":
        h = layers.Dense(cfg["denseUnits"], activation="relu")(layers.Flatten()(x))
    else:
        h = recurrent(cfg, x)
    if cfg["dropout"] > 0:
        h = layers.Dropout(cfg["dropout"])(h)
    logits = layers.Dense(output_units(cfg, classes))(h)
    return keras.Model(ids, logits)


def optimizer(cfg):
    lr, clip = cfg["learningRate"], cfg["clipNorm"] or None
    name = cfg["optimizer"]
    if name == "sgd":
        return keras.optimizers.SGD(lr, global_clipnorm=clip)
    if name == "momentum":
        return keras.optimizers.SGD(lr, momentum=cfg["momentum"], global_clipnorm=clip)
    if name == "rmsprop":
        return keras.optimizers.RMSprop(lr, rho=0.9, momentum=cfg["momentum"], global_clipnorm=clip)
    return keras.optimizers.Adam(lr, global_clipnorm=clip)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--vocab", type=int, required=True)
    ap.add_argument("--classes", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=20)
    args = ap.parse_args()
    cfg = json.loads(args.config)
    keras.utils.set_random_seed(cfg["seed"])
    model = build(cfg, args.vocab, args.classes)
    units = output_units(cfg, args.classes)
    loss = (
        keras.losses.BinaryCrossentropy(from_logits=True)
        if units == 1
        else keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    )
    model.compile(optimizer=optimizer(cfg), loss=loss, jit_compile=False)
    batch = cfg["batchSize"]
    rng = np.random.default_rng(cfg["seed"])
    x, y = generated_batch(cfg, args.vocab, args.classes, rng)
    if units == 1:
        y = y.reshape(-1, 1).astype("float32")
    model.train_on_batch(x, y)  # builds and traces the step
    model.train_on_batch(x, y)
    steps, started = 0, time.perf_counter()
    while steps < 2 or time.perf_counter() - started < args.seconds:
        model.train_on_batch(x, y)
        steps += 1
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "peer": "keras",
                "version": f"Keras {keras.__version__} on TensorFlow {tf.__version__}",
                "threads": {
                    "intraOp": tf.config.threading.get_intra_op_parallelism_threads(),
                    "interOp": tf.config.threading.get_inter_op_parallelism_threads(),
                },
                "shape": {"batch": batch, "width": rows_for(cfg), "featureLength": feature_length(cfg)},
                "steps": steps,
                "seconds": round(seconds, 2),
                "samplesPerSecond": round(steps * batch / seconds, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
