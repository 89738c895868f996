"""Entry point of the task consumer: ``huey_consumer training.tasks.huey``.

Importing the app's modules registers every task with the queue.
"""

from training import create_app
from training.core.queue import huey, register_app

register_app(create_app())

__all__ = ["huey"]
