"""Admin page (/admin): sources' health and discovered schema beside their configuration."""
