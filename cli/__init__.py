"""The `akhbar` command."""
