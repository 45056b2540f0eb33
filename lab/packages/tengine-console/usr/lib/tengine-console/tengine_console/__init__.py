"""Tengine console: the HTTPS screens over the Tengine database (lab/packages/TENGINE.md)."""
