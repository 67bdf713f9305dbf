"""Synthetic sample registers in microdata.no's extract format, and their generator."""
