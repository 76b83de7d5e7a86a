"""The float32 matrix-product rate of a peer framework, for the Studio's matmul bench (bench/matmul.ts).

For each [m, k] x [k, n] shape, eager products (tf.linalg.matmul, or torch.matmul) repeated for about
half a second after one warm-up, on the framework's default threads. Both compute a CPU op before it
returns, and the result stays in the framework, as the Studio's child does. Prints one JSON line:
{"version", "threads", "gflops": [...]}.

    python matmul.py --framework tensorflow|torch --shapes '[[64, 25000, 500]]'
"""

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def rate(product, m, k, n):
    product()
    reps, t0 = 0, time.perf_counter()
    while reps < 3 or time.perf_counter() - t0 < 0.5:
        product()
        reps += 1
    return 2 * m * k * n * reps / (time.perf_counter() - t0) / 1e9


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--framework", choices=["tensorflow", "torch"], required=True)
    parser.add_argument("--shapes", required=True)
    args = parser.parse_args()
    shapes = json.loads(args.shapes)
    gflops = []
    if args.framework == "tensorflow":
        import tensorflow as tf

        version, threads = tf.__version__, {"intraOp": tf.config.threading.get_intra_op_parallelism_threads()}
        for m, k, n in shapes:
            a, b = tf.random.uniform([m, k]), tf.random.uniform([k, n])
            gflops.append(rate(lambda: tf.linalg.matmul(a, b), m, k, n))
    else:
        import torch

        version, threads = torch.__version__, {"intraOp": torch.get_num_threads()}
        with torch.no_grad():
            for m, k, n in shapes:
                a, b = torch.rand(m, k), torch.rand(k, n)
                gflops.append(rate(lambda: torch.matmul(a, b), m, k, n))
    print(json.dumps({"version": version, "threads": threads, "gflops": gflops}))


if __name__ == "__main__":
    main()
