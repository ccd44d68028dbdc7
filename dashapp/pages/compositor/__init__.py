"""Compositor page package: `page` (registration, layout), `ids`, widgets and callbacks.

Importing this package registers nothing, so tests can import `ids` before an app exists.
"""
