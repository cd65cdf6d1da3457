"""Headless tournaments: paired seeds, parallel, resumable, with standings and reports."""
