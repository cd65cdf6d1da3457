"""Fab Race command-line interface."""
