"""The loop on a GPU: AMP, channels_last, peak memory, a model handed back on the CPU.

These need CUDA. CI's machines have none (no GPU can be attached there), so they skip with the
reason; run them on a GPU host with `pytest tests/unit/training/test_loop_cuda.py`.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch

from tasks.training import datasets
from tasks.training.config import TrainingConfig
from tasks.training.device import Precision, choose_precision, fits_on_device
from tasks.training.job import run_training
from tasks.training.loop import train

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")

SHAPES = TrainingConfig(
    dataset="synthetic", samples=2048, image_size=64, epochs=2, batch_size=128, seed=3
)


def test_fp32_on_the_cpu_for_tables_and_for_small_images() -> None:
    big = datasets.synthetic(TrainingConfig(dataset="synthetic", samples=64, image_size=64))
    small = datasets.digits(TrainingConfig(max_samples=64))
    table = replace(big, kind="tabular", x_train=big.x_train.flatten(1))
    assert choose_precision(torch.device("cpu"), big) == Precision()
    assert choose_precision(torch.device("cuda"), small) == Precision()
    medium = datasets.synthetic(TrainingConfig(dataset="synthetic", samples=64, image_size=32))
    assert choose_precision(torch.device("cuda"), medium) == Precision()
    assert choose_precision(torch.device("cuda"), table) == Precision()


@needs_cuda
def test_large_images_on_cuda_use_amp_with_channels_last() -> None:
    big = datasets.synthetic(TrainingConfig(dataset="synthetic", samples=64, image_size=64))
    chosen = choose_precision(torch.device("cuda"), big)
    assert chosen.amp in {torch.bfloat16, torch.float16}
    assert chosen.memory_format == torch.channels_last


DIGITS = TrainingConfig(dataset="digits", epochs=5, batch_size=64, seed=3)


@needs_cuda
def test_auto_device_trains_digits_on_the_gpu() -> None:
    result = train(DIGITS, datasets.digits(DIGITS))
    assert result.status == "succeeded"
    assert result.info.device == "cuda"
    assert result.info.device_name == torch.cuda.get_device_name()
    assert result.info.amp is None  # 8x8 images: fp32 is faster
    assert result.peak_memory_bytes is not None and result.peak_memory_bytes > 0
    assert result.history[-1].val_acc > 0.85  # ten classes; 0.97 on the CPU with this seed
    # The model comes back on the CPU in the ordinary layout, ready to save or to predict with.
    weight = next(result.model.parameters())
    assert weight.device.type == "cpu" and weight.is_contiguous()


@needs_cuda
def test_a_job_frees_the_gpu_memory_it_cached() -> None:
    before = torch.cuda.memory_reserved()
    outcome = run_training(SHAPES, datasets.synthetic(SHAPES))
    assert outcome.result.status == "succeeded" and outcome.artifacts
    assert outcome.result.info.amp in {"bfloat16", "float16"}
    assert torch.cuda.memory_reserved() <= before + 8 * 2**20


def test_a_split_always_fits_on_the_cpu() -> None:
    assert fits_on_device(torch.empty(2**40, device="meta"), torch.device("cpu"))


@needs_cuda
def test_only_a_split_the_gpu_can_hold_goes_resident() -> None:
    assert fits_on_device(torch.empty(1024), torch.device("cuda"))
    # A meta tensor has a size but no storage: 4 TiB of floats, more than any GPU has free.
    assert not fits_on_device(torch.empty(2**40, device="meta"), torch.device("cuda"))
