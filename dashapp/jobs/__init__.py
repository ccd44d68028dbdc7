"""Background work shared by every kind of job: job rows and per-user locks."""
