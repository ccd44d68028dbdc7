"""Where a run computes and how: the device, whether the training split lives on it, and mixed
precision."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from tasks.training.datasets import Dataset

# A training split that takes at most this share of the GPU's free memory is copied there once;
# a larger one stays in pinned host memory and each batch is gathered and copied per step (on an
# H100 the per-step gather cost a quarter of the throughput, see bench_training_gpu.py).
DEVICE_RESIDENT_SHARE = 0.4


class DeviceError(ValueError):
    """The requested device does not exist on this worker."""


def select_device(preference: str) -> torch.device:
    """cuda when asked for or (auto) when present, else cpu; called only inside the job."""
    if preference == "cpu":
        return torch.device("cpu")
    available = torch.cuda.is_available()
    if preference == "cuda" and not available:
        raise DeviceError("CUDA was requested but this worker has no usable GPU; choose auto/cpu")
    return torch.device("cuda" if available else "cpu")


def device_name(device: torch.device) -> str:
    """A human name: the GPU model, or the CPU with its thread count."""
    if device.type == "cuda":
        return str(torch.cuda.get_device_name(device))
    return f"CPU ({torch.get_num_threads()} threads)"


def fits_on_device(x: torch.Tensor, device: torch.device) -> bool:
    """True when `x` can live on `device` for the whole run (always on the CPU)."""
    if device.type != "cuda":
        return True
    free, _total = torch.cuda.mem_get_info(device)
    return x.nelement() * x.element_size() <= DEVICE_RESIDENT_SHARE * free


# Mixed precision pays only where the convolutions are big enough to be compute-bound. Measured
# on an H100 (bench_training_gpu.py), bf16 autocast with channels_last against plain fp32:
# 64x64 images 2.0x as fast; 32x32 0.91x; 8x8 digits (launch-bound) 0.79x. Sizes in between
# are unmeasured and stay on fp32.
AMP_MIN_IMAGE_SIDE = 64


def reduced_precision_dtype(device: torch.device) -> torch.dtype | None:
    """The autocast dtype `device` supports best (bf16, else fp16); None on the CPU."""
    if device.type != "cuda":
        return None
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


@dataclass(frozen=True)
class Precision:
    """How a run computes: the autocast dtype (None = fp32) and the input memory layout."""

    amp: torch.dtype | None = None
    memory_format: torch.memory_format = torch.contiguous_format


def choose_precision(device: torch.device, data: Dataset) -> Precision:
    """AMP with channels_last (what cuDNN's reduced-precision convolutions want; with NCHW
    tensors autocast bought nothing) for large enough images on CUDA; plain fp32 otherwise."""
    if data.kind != "image" or min(data.input_shape[1:]) < AMP_MIN_IMAGE_SIDE:
        return Precision()
    amp = reduced_precision_dtype(device)
    if amp is None:
        return Precision()
    return Precision(amp, torch.channels_last)
