"""gunicorn's settings for this app: `make serve` and the benchmark's server use them."""

import gc


def post_worker_init(worker):
    # The worker has built the app. Its long-lived objects (modules, mappers, templates,
    # fonts) will never be garbage, so take them out of the collector's sight: a full
    # collection then takes milliseconds instead of a fifth of a second mid-request.
    gc.freeze()
