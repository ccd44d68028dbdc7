"""Training jobs as plain functions: datasets, models, the loop and its artifacts.

Nothing here imports Dash or Flask. `config` imports no torch either, so the web tier can
validate a form without loading PyTorch; the other modules are imported where they are used.
"""
