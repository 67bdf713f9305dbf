"""regcat: metadata catalogue and data-product publishing service for register data."""
