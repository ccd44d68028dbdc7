"""The one error the grid services raise for a request they refuse."""

from __future__ import annotations

from dashapp.web.refusals import Refused


class GridQueryError(Refused):
    """A filter/sort model, column or value the data view will not run; the message is for users."""
