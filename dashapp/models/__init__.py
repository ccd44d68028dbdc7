"""ORM models, one module per area; importing this package registers them all."""

from dashapp.models.commerce import Customer, Order, Product
from dashapp.models.compositor import Composite, CompositorImage
from dashapp.models.dataview import SavedView
from dashapp.models.sweeps import Sweep
from dashapp.models.training import RunArtifact, RunPoint, TrainingRun

__all__ = [
    "Composite",
    "CompositorImage",
    "Customer",
    "Order",
    "Product",
    "SavedView",
    "Sweep",
    "RunArtifact",
    "RunPoint",
    "TrainingRun",
]
