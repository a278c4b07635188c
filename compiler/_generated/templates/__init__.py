"""Compiled templates (generated)."""
