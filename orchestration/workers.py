"""How a Celery worker names itself to Airflow (light: imported by every task process).

Airflow records the host of each task try (`task_instance.hostname`) from the callable in
`[core] hostname_callable`. On separate machines the host name already tells the workers
apart; several workers on one host set AFTERSALES_WORKER_NAME so that the record still
says which worker ran which shard.
"""

from __future__ import annotations

import os
import socket

WORKER_NAME_ENV = "AFTERSALES_WORKER_NAME"


def worker_hostname() -> str:
    """AFTERSALES_WORKER_NAME when set, else the machine's fully qualified name."""
    return os.environ.get(WORKER_NAME_ENV) or socket.getfqdn()
