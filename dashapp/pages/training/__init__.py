"""The training page package: `page` (registration and layout), `layout` (widgets), `form`
(generated from a recipe's parameters), `ids`, `callbacks`, `panel` and `render`.

Importing the package registers nothing, so tests can import `ids` before an app exists.
"""
