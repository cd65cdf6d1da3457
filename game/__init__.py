"""Fab Race rules and engine."""
