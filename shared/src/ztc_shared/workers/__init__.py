"""What the service's worker processes share, projections and reactions alike: the messages they
read, the dead letters they send, the faust app they run on (``workers.faust_app``) and the worker
command (``workers.cli``).
"""

from ztc_shared.workers.messages import DeadLetter, Message

# The line every worker logs once it serves: make run, the tests and the supervisors wait for it.
WORKER_READY = "projection.worker_started"

__all__ = ["WORKER_READY", "DeadLetter", "Message"]
