"""Training, Dash-free: runs and sweeps, their lifecycle, limits, fair queue order,
the recorder jobs write through, search, comparison and the recipe catalogue."""
