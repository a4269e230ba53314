"""Workbench: a terminal workbench for live-streaming commerce cooperation."""

__version__ = "0.1.0"
