"""The demo database: the orders, customers and products the embedded mode starts with."""
