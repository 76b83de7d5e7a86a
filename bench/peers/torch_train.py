"""One preset's model trained in PyTorch (CPU), on generated data of the preset's real shape.

The Studio bench (bench/training.ts, --peer torch) runs it with the preset's resolved config as JSON
and prints one JSON line: samples/s over whole optimizer steps after a warm-up, and the versions.
Same layers, sizes, optimizer, batch and sequence length as the Studio's builders
(src/main/core/engine/model-builders.ts); no padding (every row full length). The bag uses
nn.EmbeddingBag (mean) with sparse gradients and SparseAdam for the table, as a PyTorch user would.

    python torch_train.py --config '{"model": "bilstm", ...}' --vocab 20000 [--seconds 20] [--classes 2]
"""

import argparse
import json
import time

import numpy as np
import torch
from torch import nn

from shapes import feature_length, generated_batch, output_units, rows_for


class Net(nn.Module):
    def __init__(self, cfg, vocab, classes):
        super().__init__()
        self.cfg = cfg
        kind = cfg["model"]
        d, h = cfg["embeddingDim"], cfg["hiddenUnits"]
        rows = vocab + (cfg["hashBuckets"] if kind == "ngram-bag" and cfg["ngrams"] > 1 else 0)
        if kind == "ngram-bag":
            self.embedding = nn.EmbeddingBag(rows, d, mode="mean", sparse=True)
            features = d
        else:
            self.embedding = nn.Embedding(rows, d)
            self.embedding.weight.requires_grad = cfg["trainEmbeddings"]
        if kind in ("rnn", "lstm", "gru", "bilstm"):
            cell = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU, "bilstm": nn.LSTM}[kind]
            between = cfg["dropout"] if cfg["layers"] > 1 else 0
            self.rnn = cell(
                d, h, num_layers=cfg["layers"], batch_first=True, bidirectional=kind == "bilstm", dropout=between
            )
            directions = 2 if kind == "bilstm" else 1
            features = h * directions * (2 if cfg["readout"] == "first-last" else 1)
        elif kind == "cnn":
            self.convs = nn.ModuleList(nn.Conv1d(d, cfg["filters"], w) for w in cfg["filterSizes"])
            features = cfg["filters"] * len(cfg["filterSizes"])
        elif kind == "dense":
            self.hidden = nn.Linear(cfg["maxLen"] * d, cfg["denseUnits"])
            features = cfg["denseUnits"]
        self.dropout = nn.Dropout(cfg["dropout"])
        self.logits = nn.Linear(features, output_units(cfg, classes))

    def forward(self, ids):
        kind, cfg = self.cfg["model"], self.cfg
        if kind == "ngram-bag":
            return self.logits(self.embedding(ids))
        x = self.embedding(ids)
        if kind == "cnn":
            x = x.transpose(1, 2)
            h = torch.cat([torch.relu(c(x)).amax(dim=2) for c in self.convs], dim=1)
        elif kind == "dense":
            h = torch.relu(self.hidden(x.flatten(1)))
        else:
            seq, _ = self.rnn(x)
            readout = cfg["readout"]
            if readout == "first-last":
                h = torch.cat([seq[:, 0], seq[:, -1]], dim=1)
            elif readout == "max":
                h = seq.amax(dim=1)
            elif readout == "mean":
                h = seq.mean(dim=1)
            else:
                h = seq[:, -1]
        return self.logits(self.dropout(h))


def optimizers(cfg, net):
    lr = cfg["learningRate"]
    name = cfg["optimizer"]
    dense = [p for n, p in net.named_parameters() if p.requires_grad and not (cfg["model"] == "ngram-bag" and n.startswith("embedding"))]
    if name == "sgd":
        main = torch.optim.SGD(dense, lr)
    elif name == "momentum":
        main = torch.optim.SGD(dense, lr, momentum=cfg["momentum"])
    elif name == "rmsprop":
        main = torch.optim.RMSprop(dense, lr, alpha=0.9, momentum=cfg["momentum"])
    else:
        main = torch.optim.Adam(dense, lr)
    if cfg["model"] == "ngram-bag":
        return [main, torch.optim.SparseAdam(list(net.embedding.parameters()), lr)]
    return [main]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--vocab", type=int, required=True)
    ap.add_argument("--classes", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=20)
    args = ap.parse_args()
    cfg = json.loads(args.config)
    torch.manual_seed(cfg["seed"])
    net = Net(cfg, args.vocab, args.classes)
    net.train()
    opts = optimizers(cfg, net)
    units = output_units(cfg, args.classes)
    x, y = generated_batch(cfg, args.vocab, args.classes, np.random.default_rng(cfg["seed"]))
    x = torch.from_numpy(x)
    y = torch.from_numpy(y).float().reshape(-1, 1) if units == 1 else torch.from_numpy(y)
    loss_fn = nn.BCEWithLogitsLoss() if units == 1 else nn.CrossEntropyLoss()

    def step():
        for o in opts:
            o.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        if cfg["clipNorm"] > 0:
            nn.utils.clip_grad_norm_([p for p in net.parameters() if p.requires_grad], cfg["clipNorm"])
        for o in opts:
            o.step()

    step()
    step()
    steps, started = 0, time.perf_counter()
    while steps < 2 or time.perf_counter() - started < args.seconds:
        step()
        steps += 1
    seconds = time.perf_counter() - started
    batch = cfg["batchSize"]
    print(
        json.dumps(
            {
                "peer": "torch",
                "version": f"PyTorch {torch.__version__}",
                "threads": {"intraOp": torch.get_num_threads(), "interOp": torch.get_num_interop_threads()},
                "shape": {"batch": batch, "width": rows_for(cfg), "featureLength": feature_length(cfg)},
                "steps": steps,
                "seconds": round(seconds, 2),
                "samplesPerSecond": round(steps * batch / seconds, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
