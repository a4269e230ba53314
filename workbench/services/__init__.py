"""Use cases: the only door into the store for the TUI, the CLI, the scheduler and tests."""
