"""The browser game (Solara): ``solara run ui.app`` serves ``ui.app.Page``.

``ui.session`` is the UI's side of the engine API (no game rule lives in ``ui/``); one module per
part of the page: ``start`` (new game, how to play), ``graph`` (partnership graph), ``books``,
``inbox``, ``deals`` (deal builder), ``moves``, ``news``, ``charts``, ``scorecard``,
``spectator`` (watch the bots), ``replay`` (load a log, step through it); ``ticker`` (a browser
timer for Play and the charts) and ``common`` (look, messages, tables). See ``docs/UI.md``.
"""
