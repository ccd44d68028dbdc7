"""The web tier's own serving pieces (below Flask and Dash)."""
