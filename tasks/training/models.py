"""Small models: a CNN for images of any size, an MLP for tabular features."""

from __future__ import annotations

from torch import nn

from tasks.training.datasets import Dataset


class SmallCNN(nn.Module):
    """Two conv blocks and a linear head; global pooling makes it work for any image size."""

    def __init__(self, in_channels: int, num_classes: int, width: int = 32) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, width, 3, padding=1),
            nn.BatchNorm2d(width),
            nn.ReLU(inplace=True),
            nn.Conv2d(width, width * 2, 3, padding=1),
            nn.BatchNorm2d(width * 2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            nn.Conv2d(width * 2, width * 2, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.AdaptiveAvgPool2d(1),
        )
        self.head = nn.Linear(width * 2, num_classes)

    def forward(self, x):  # type: ignore[no-untyped-def]  # nn.Module's own signature
        """Logits for a batch of images."""
        return self.head(self.features(x).flatten(1))


class TabularMLP(nn.Module):
    """A two-layer perceptron with dropout."""

    def __init__(self, in_features: int, num_classes: int, hidden: int = 64) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(in_features, hidden),
            nn.ReLU(),
            nn.Dropout(0.1),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x):  # type: ignore[no-untyped-def]  # nn.Module's own signature
        """Logits for a batch of feature rows."""
        return self.net(x)


def build_model(data: Dataset) -> nn.Module:
    """The model suited to `data`."""
    if data.kind == "image":
        return SmallCNN(data.input_shape[0], data.num_classes)
    return TabularMLP(data.input_shape[0], data.num_classes)
