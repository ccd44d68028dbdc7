"""The data view page package (path `/`, named "Dashboard"): `page` (registration and layout),
`ids`, `layout` (widgets), `grid_panel` (the grid's column: toolbar, facets, grid), `columns`
and `formatting` (how values read), `chips`, `charts`, `page_state` (component values to the
grid state), and one `*_callbacks` module per area.

Importing the package registers nothing, so tests can import `ids` before an app exists.
"""
