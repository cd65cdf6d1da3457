"""The browser game (Solara). ``ui.session`` is the UI's side of the engine API; no rules here."""
