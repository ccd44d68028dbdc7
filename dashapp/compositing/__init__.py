"""Image compositor: decoding uploads, placement geometry, compositing, storage."""
