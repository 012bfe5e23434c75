"""The app as a WSGI server runs it: ``gunicorn 'pwa.wsgi:app'``.

Each server process builds the app once, then freezes what it built (the app, its
libraries, their modules and tables) out of the garbage collector's reach with
``gc.freeze()``. Those objects live as long as the process; without the freeze, every
full collection walks all of them again, and a request that makes many objects (a sync
of 100 events makes thousands) pays for walks over the whole heap: about a quarter of a
sync's time in the server, measured with ``cProfile`` over 20 syncs of 100 ratings
(``tests/benchmarks/test_sync_ingest.py`` measures the whole path). Objects made after
the freeze are collected as usual.
"""

from __future__ import annotations

import gc

from pwa import create_app

app = create_app()
gc.freeze()
