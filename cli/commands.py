"""Commands beyond the engine: registered on the `akhbar` group."""
