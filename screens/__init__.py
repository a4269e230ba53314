"""Textual screens and widgets of the Workbench TUI. Data comes through services only."""
