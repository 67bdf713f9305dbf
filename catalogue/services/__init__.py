"""Use cases. Each owns its transactions; this is the only API of the core for web and CLI."""
