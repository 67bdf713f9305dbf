"""One module per output-control rule; registry.py lists them all."""
