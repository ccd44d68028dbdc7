"""The launch form generated from a parameter model (rendered to Dash components, no browser)."""

from __future__ import annotations

import enum
from typing import Any, Literal

from pydantic import BaseModel, Field

from dashapp.pages.training import form, ids
from dashapp.recipes import Recipe


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Params(BaseModel):
    epochs: int = Field(15, ge=1, le=200, description="Passes over the training set")
    lr: float = Field(0.05, gt=0, le=1, title="Learning rate")
    optimizer: Literal["adam", "sgd"] = "sgd"
    colour: Colour = Colour.BLUE
    augment: bool = Field(True, description="Flip images")
    tag: str = "x"


RECIPE = Recipe(name="demo", title="Demo", params=Params, train=lambda ctx, p: None)


def _find(component: Any, wanted: Any) -> Any:
    """The component with id `wanted` anywhere under `component`."""
    if getattr(component, "id", None) == wanted:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str):
            found = _find(child, wanted)
            if found is not None:
                return found
    return None


def test_each_field_gets_the_input_its_type_calls_for() -> None:
    row = form.fields(RECIPE)
    epochs = _find(row, ids.param_id("epochs"))
    assert (epochs.type, epochs.inputMode, epochs.value) == ("text", "numeric", 15)
    lr = _find(row, ids.param_id("lr"))
    assert lr.inputMode == "decimal"
    assert _find(row, ids.help_id("lr")).children == "above 0, at most 1"
    optimizer = _find(row, ids.param_id("optimizer"))
    assert [o["value"] for o in optimizer.options] == ["adam", "sgd"] and optimizer.value == "sgd"
    colour = _find(row, ids.param_id("colour"))
    assert [o["value"] for o in colour.options] == ["red", "blue"] and colour.value == "blue"
    augment = _find(row, ids.check_id("augment"))
    assert augment.value is True and augment.label == "Augment"
    assert _find(row, ids.param_id("tag")).type == "text"
    assert _find(row, ids.help_id("epochs")).children == "Passes over the training set · 1 to 200"
    assert _find(row, ids.feedback_id("epochs")) is not None


def test_labels_come_from_titles_or_names() -> None:
    fields = Params.model_fields
    assert form.label_of("lr", fields["lr"]) == "Learning rate"
    assert form.label_of("epochs", fields["epochs"]) == "Epochs"
