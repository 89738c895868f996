"""Entry point of the task consumer: ``huey_consumer training.tasks.huey``.

Building the app imports its modules, which declare every task; the queue built
here registers them all.
"""

from training import create_app
from training.core.queue import get_huey, register_app

register_app(create_app())
huey = get_huey()

__all__ = ["huey"]
