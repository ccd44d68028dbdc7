"""An example recipe: a small neural network classifies scikit-learn's wine data set.

Not a built-in: register it like any recipe of your own,

    DASHAPP_RECIPES=examples.wine_recipe:recipe      # on the web server and every worker

then open /training?recipe=wine. The walk-through is docs/recipes.md.
"""

from __future__ import annotations

import torch
from PIL import Image, ImageDraw
from pydantic import BaseModel, Field
from sklearn.datasets import load_wine
from sklearn.model_selection import train_test_split
from torch import nn

from dashapp.recipes import Recipe, RunContext


class WineParams(BaseModel):
    """What a wine run takes; the form at /training?recipe=wine is built from this."""

    epochs: int = Field(15, ge=1, le=200, description="Passes over the training set")
    lr: float = Field(0.05, gt=0, le=1, description="Learning rate")
    hidden: int = Field(32, ge=2, le=512, description="Units in the hidden layer")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Same seed, same split and result")


def confusion_image(true: torch.Tensor, pred: torch.Tensor, names: list[str]) -> Image.Image:
    """A small confusion matrix drawn with Pillow (rows: true class, columns: predicted)."""
    k, cell = len(names), 48
    image = Image.new("RGB", (80 + k * cell, 30 + k * cell), "white")
    draw = ImageDraw.Draw(image)
    for i in range(k):
        draw.text((4, 30 + i * cell + cell // 2), names[i][:10], fill="black")
        for j in range(k):
            count = int(((true == i) & (pred == j)).sum())
            shade = 255 - min(200, count * 8)
            box = (80 + j * cell, 30 + i * cell, 80 + (j + 1) * cell, 30 + (i + 1) * cell)
            draw.rectangle(box, fill=(shade, shade, 255), outline="grey")
            draw.text((box[0] + 18, box[1] + 18), str(count), fill="black")
    draw.text((80, 8), "predicted →", fill="black")
    return image


def train(ctx: RunContext, params: WineParams) -> None:
    """Standardise the 13 features, train an MLP with full-batch Adam, keep the best model."""
    torch.manual_seed(params.seed)
    data = load_wine()
    x_train, x_val, y_train, y_val = train_test_split(
        data.data, data.target, test_size=0.25, random_state=params.seed, stratify=data.target
    )
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    xt = torch.tensor((x_train - mean) / std, dtype=torch.float32, device=ctx.device)
    xv = torch.tensor((x_val - mean) / std, dtype=torch.float32, device=ctx.device)
    yt = torch.tensor(y_train, device=ctx.device)
    yv = torch.tensor(y_val, device=ctx.device)
    print(f"wine: {len(xt)} training and {len(xv)} validation examples")  # goes to the run log

    model = nn.Sequential(nn.Linear(13, params.hidden), nn.ReLU(), nn.Linear(params.hidden, 3))
    model.to(ctx.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=params.lr)
    loss_fn = nn.CrossEntropyLoss()
    best = -1.0
    for epoch in range(params.epochs):
        model.train()
        loss = loss_fn(model(xt), yt)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        model.eval()
        with torch.no_grad():
            logits = model(xv)
            val_loss = float(loss_fn(logits, yv))
            pred = logits.argmax(1)
            acc = float((pred == yv).float().mean())
        ctx.log_metrics(step=epoch, loss=loss, val_loss=val_loss, val_accuracy=acc)
        ctx.progress(done=epoch + 1, total=params.epochs)
        if acc > best:  # keep the best model, not the last one
            best = acc
            ctx.save_checkpoint(model.state_dict(), epoch=epoch, val_accuracy=acc)
        if ctx.should_stop:
            print("cancelled; the best model so far is kept")
            return
    ctx.log_image("predictions", confusion_image(yv.cpu(), pred.cpu(), list(data.target_names)))


recipe = Recipe(
    name="wine",
    title="Wine classifier",
    description="A two-layer network tells three wine cultivars apart from 13 measurements "
    "(scikit-learn's wine data set, 178 samples).",
    params=WineParams,
    train=train,
    memory_estimate=lambda params: 300 * 2**20,
)
