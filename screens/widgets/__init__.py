"""Reusable widgets: panels, forms with field errors."""
