"""gunicorn's settings for this app: `make serve` and the benchmark's server use them."""

import gc

# Build the app once, in the master, before the workers are forked: the workers share
# its memory (modules, mappers, templates) page for page until one of them writes to it,
# and each starts serving at once instead of importing everything again.
preload_app = True


def pre_fork(server, worker):
    # The app's long-lived objects will never be garbage: out of the collector's sight,
    # a collection in a worker neither walks them (milliseconds instead of a fifth of a
    # second mid-request) nor touches their pages, which stay shared with the master.
    gc.freeze()


def post_fork(server, worker):
    # Database connections are never shared across a fork: a worker opens its own.
    from training.extensions import db

    with server.app.wsgi().app_context():
        db.engine.dispose(close=False)
