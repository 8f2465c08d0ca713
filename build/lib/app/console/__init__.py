"""The application layer: the console's state and the governed actions, with no Qt.

:class:`~app.console.session.Session` holds who is signed in and what the console knows (the
registry, stated purposes) and tells subscribers what changed; :mod:`app.console.use_cases` is
the only way a front end (the console's views, the command line) performs a governed action.
"""
