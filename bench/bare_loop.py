"""The plainest PyTorch loop over a run's tensors: the baseline the training benches compare to.

Train and validate each epoch, nothing else: no hooks, no progress, no metric bookkeeping.
"""

from __future__ import annotations

import time

import torch

from tasks.training.config import TrainingConfig
from tasks.training.datasets import Dataset
from tasks.training.loop import make_optimizer, reduced_precision_dtype, select_device
from tasks.training.models import build_model


def bare_loop(
    config: TrainingConfig, data: Dataset, amp: bool = False, nhwc: bool = False
) -> float:
    """Wall seconds to train `config.epochs` on `data` (on CUDA, including the final sync).

    `amp` runs under autocast in the device's reduced-precision dtype (CUDA only); `nhwc` uses
    channels_last tensors. The data is already loaded: the caller times loading if it wants to.
    """
    device = select_device(config.device)
    dtype = reduced_precision_dtype(device) if amp else None
    fmt = torch.channels_last if nhwc else torch.contiguous_format
    cuda = device.type == "cuda"
    torch.manual_seed(config.seed)
    if cuda:
        torch.backends.cudnn.benchmark = True
        torch.cuda.synchronize()
    started = time.perf_counter()
    model = build_model(data).to(device, memory_format=fmt)  # type: ignore[call-overload]
    optimizer = make_optimizer(config.optimizer, model, config.lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    x, y = data.x_train.to(device), data.y_train.to(device)
    xv, yv = data.x_val.to(device).contiguous(memory_format=fmt), data.y_val.to(device)
    generator = torch.Generator().manual_seed(config.seed)
    for _ in range(config.epochs):
        order = torch.randperm(len(x), generator=generator).to(device)
        model.train()
        for start in range(0, len(x), config.batch_size):
            idx = order[start : start + config.batch_size]
            with torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
                loss = loss_fn(model(x[idx].contiguous(memory_format=fmt)).float(), y[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad(), torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
            for start in range(0, len(xv), 1024):
                float((model(xv[start : start + 1024]).argmax(1) == yv[start : start + 1024]).sum())
    if cuda:
        torch.cuda.synchronize()
    return time.perf_counter() - started
