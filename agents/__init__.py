"""Fab Race actors and policies."""
