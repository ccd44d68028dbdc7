"""Breaking into a recipe that never asks `ctx.should_stop`: in the main thread (signal) and in
another thread (asynchronous exception); the run ends cancelled and its GPU memory goes back."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import torch
from pydantic import BaseModel

from dashapp.recipes import Recipe, RunContext, RunStatus, run_recipe
from dashapp.recipes.api import MemorySink
from dashapp.recipes.interrupt import Interrupter, RunInterrupted


class NoParams(BaseModel):
    device: str = "cpu"


def _interrupt_soon(interrupter: Interrupter, after_s: float = 0.3) -> threading.Thread:
    def fire() -> None:
        deadline = time.monotonic() + 10
        while not interrupter.interrupt():  # False until the window opens
            assert time.monotonic() < deadline
            time.sleep(0.01)

    timer = threading.Timer(after_s, fire)
    timer.start()
    return timer


def _stubborn(seconds: float, caught: list[str]) -> Any:
    def train(_ctx: RunContext, _params: NoParams) -> None:
        try:
            time.sleep(seconds)  # one blocking call: only a real signal wakes it
        except Exception:  # noqa: BLE001 - a recipe that swallows errors must still stop
            caught.append("swallowed")
        caught.append("went on")

    return train


def test_a_blocking_recipe_in_the_main_thread_is_interrupted_and_cancelled() -> None:
    caught: list[str] = []
    recipe = Recipe(name="stubborn", title="S", params=NoParams, train=_stubborn(60, caught))
    interrupter = Interrupter()
    sink = MemorySink()
    started = time.monotonic()
    timer = _interrupt_soon(interrupter)
    outcome = run_recipe(recipe, NoParams(), sink, interrupter=interrupter)
    timer.join()
    assert time.monotonic() - started < 5
    assert outcome.status is RunStatus.CANCELLED and outcome.error is None
    assert caught == []  # neither `except Exception` nor the code after the load ran
    assert any("interrupted" in line for line in sink.lines)


def test_a_busy_recipe_in_another_thread_is_interrupted() -> None:
    def busy(_ctx: RunContext, _params: NoParams) -> None:
        while True:  # pure Python work that never asks should_stop
            sum(range(1000))

    recipe = Recipe(name="busy", title="B", params=NoParams, train=busy)
    interrupter = Interrupter()
    result: list[Any] = []
    worker = threading.Thread(
        target=lambda: result.append(
            run_recipe(recipe, NoParams(), MemorySink(), None, None, None, interrupter)
        )
    )
    worker.start()
    _interrupt_soon(interrupter).join()
    worker.join(timeout=5)
    assert not worker.is_alive() and result[0].status is RunStatus.CANCELLED


def test_outside_the_window_interrupt_does_nothing() -> None:
    interrupter = Interrupter()
    assert interrupter.interrupt() is False
    with interrupter.window():
        pass
    assert interrupter.interrupt() is False  # the window is closed: nothing is raised later
    time.sleep(0.05)
    with pytest.raises(RunInterrupted), interrupter.window():
        assert interrupter.interrupt() is True
        time.sleep(5)
    assert interrupter.interrupt() is False  # once only


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")
def test_an_interrupted_run_gives_its_gpu_memory_back() -> None:
    def load_on_gpu(ctx: RunContext, _params: NoParams) -> None:
        data = torch.empty(256 * 2**20, dtype=torch.uint8, device=ctx.device)  # 256 MiB
        data.fill_(1)
        time.sleep(60)

    class GpuParams(BaseModel):
        device: str = "cuda"

    recipe = Recipe(name="gpu-load", title="G", params=GpuParams, train=load_on_gpu)
    interrupter = Interrupter()
    timer = _interrupt_soon(interrupter, after_s=2.0)
    outcome = run_recipe(recipe, GpuParams(), MemorySink(), interrupter=interrupter)
    timer.join()
    assert outcome.status is RunStatus.CANCELLED
    assert outcome.peak_memory_bytes is not None and outcome.peak_memory_bytes >= 256 * 2**20
    assert torch.cuda.memory_allocated() == 0 and torch.cuda.memory_reserved() == 0
