"""Training throughput on a GPU: the app's loop and job against bare PyTorch loops, same data.

python bench/bench_training_gpu.py [--samples 50000] [--image-size 64] [--epochs 3] [--out FILE]

Needs only `tasks/` (torch, numpy, scikit-learn, Pillow): no Dash, no database, so it runs on a
GPU host that has PyTorch but not the web stack. On a machine without CUDA it says so and exits 0.

Per workload (synthetic shapes sized to load a GPU, and scikit-learn's digits):
  bare fp32   the plainest loop over device-resident tensors (train + per-epoch validation)
  bare AMP    the same loop under autocast with the app's AMP dtype (NCHW tensors)
  bare AMP+NHWC  the same with channels_last tensors, as the app's loop uses on CUDA
  app loop    tasks.training.loop.train (AMP, progress hook and stop check every step)
  app job     tasks.training.job.run_training: the loop plus PNG artifacts and checkpoint
Throughput is training samples per second over the timed epochs; ratios are against the bare
loops measured in the same process. Each figure is the median of --repeats runs after a warm-up.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bare_loop import bare_loop  # noqa: E402  (bench/ is the script dir)

from tasks.training import datasets  # noqa: E402
from tasks.training.config import TrainingConfig  # noqa: E402
from tasks.training.job import run_training  # noqa: E402
from tasks.training.loop import reduced_precision_dtype, train  # noqa: E402


def timed(fn: Callable[[], object]) -> float:
    """Wall seconds of fn() with the GPU drained before and after."""
    torch.cuda.synchronize()
    started = time.perf_counter()
    fn()
    torch.cuda.synchronize()
    return time.perf_counter() - started


def measure(config: TrainingConfig, data: datasets.Dataset, repeats: int) -> dict[str, float]:
    """Median samples/s of each variant, plus the app job's peak GPU memory."""
    samples = len(data.x_train) * config.epochs
    variants: dict[str, Callable[[], object]] = {
        "bare_fp32": lambda: bare_loop(config, data, amp=False),
        "bare_amp": lambda: bare_loop(config, data, amp=True),
        "bare_amp_nhwc": lambda: bare_loop(config, data, amp=True, nhwc=True),
        "app_loop": lambda: train(config, data),
        "app_job": lambda: run_training(config, data),
    }
    warm = replace(config, epochs=1)
    bare_loop(warm, data, amp=False)
    bare_loop(warm, data, amp=True)
    train(warm, data)
    figures: dict[str, float] = {}
    for name, fn in variants.items():
        seconds = statistics.median(timed(fn) for _ in range(repeats))
        figures[name] = samples / seconds
    torch.cuda.reset_peak_memory_stats()
    train(config, data)
    figures["peak_mib"] = torch.cuda.max_memory_allocated() / 2**20
    return figures


def report(title: str, figures: dict[str, float]) -> None:
    """Print one workload's throughput table."""
    print(title)
    for name in ("bare_fp32", "bare_amp", "bare_amp_nhwc", "app_loop", "app_job"):
        rate = figures[name]
        print(
            f"  {name:13s} {rate:10,.0f} samples/s   "
            f"vs bare fp32 {rate / figures['bare_fp32']:5.2f}   "
            f"vs bare AMP+NHWC {rate / figures['bare_amp_nhwc']:5.2f}"
        )
    print(f"  app loop peak GPU memory: {figures['peak_mib']:,.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=50_000)
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("no CUDA device here: nothing to measure")
        return
    name = torch.cuda.get_device_name()
    amp = reduced_precision_dtype(torch.device("cuda"))
    print(f"GPU {name}, torch {torch.__version__}, AMP dtype {amp}")
    synthetic = TrainingConfig(
        dataset="synthetic",
        samples=args.samples,
        image_size=args.image_size,
        epochs=args.epochs,
        batch_size=args.batch_size,
        device="cuda",
    )
    digits = TrainingConfig(dataset="digits", epochs=20, batch_size=64, device="cuda")
    small = replace(synthetic, image_size=32)
    results = {
        "device": name,
        "torch": torch.__version__,
        "synthetic": measure(synthetic, datasets.synthetic(synthetic), args.repeats),
        "synthetic32": measure(small, datasets.synthetic(small), args.repeats),
        "digits": measure(digits, datasets.digits(digits), args.repeats),
    }
    report(
        f"synthetic shapes {args.image_size}x{args.image_size}, {args.samples:,} images, "
        f"batch {args.batch_size}, {args.epochs} epochs, median of {args.repeats}",
        results["synthetic"],
    )
    report("the same at 32x32 (below the app's AMP threshold: fp32)", results["synthetic32"])
    report(f"digits 8x8, batch 64, 20 epochs, median of {args.repeats}", results["digits"])
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
