"""Dash-free application logic, one module or package per job."""
