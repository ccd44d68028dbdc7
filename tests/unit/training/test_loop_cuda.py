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
from tasks.training.job import run_training
from tasks.training.loop import _memory_format, train

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")

SHAPES = TrainingConfig(
    dataset="synthetic", samples=2048, image_size=32, epochs=3, batch_size=128, seed=3
)


def test_images_use_channels_last_only_on_cuda() -> None:
    images = datasets.synthetic(TrainingConfig(dataset="synthetic", samples=64, image_size=8))
    flat = replace(images, kind="tabular", x_train=images.x_train.flatten(1))
    assert _memory_format(torch.device("cuda"), images) == torch.channels_last
    assert _memory_format(torch.device("cpu"), images) == torch.contiguous_format
    assert _memory_format(torch.device("cuda"), flat) == torch.contiguous_format


@needs_cuda
def test_auto_device_trains_on_the_gpu_with_mixed_precision() -> None:
    result = train(SHAPES, datasets.synthetic(SHAPES))
    assert result.status == "succeeded"
    assert result.info.device == "cuda"
    assert result.info.device_name == torch.cuda.get_device_name()
    assert result.info.amp in {"bfloat16", "float16"}
    assert result.peak_memory_bytes is not None and result.peak_memory_bytes > 0
    assert result.history[-1].val_acc > 0.5  # four classes: chance is 0.25
    # The model comes back on the CPU in the ordinary layout, ready to save or to predict with.
    weight = next(result.model.parameters())
    assert weight.device.type == "cpu" and weight.is_contiguous()


@needs_cuda
def test_a_job_frees_the_gpu_memory_it_cached() -> None:
    before = torch.cuda.memory_reserved()
    outcome = run_training(SHAPES, datasets.synthetic(SHAPES))
    assert outcome.result.status == "succeeded" and outcome.artifacts
    assert torch.cuda.memory_reserved() <= before + 8 * 2**20
