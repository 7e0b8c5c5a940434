"""gunicorn's settings for the back office: `gunicorn -c deploy/gunicorn.conf.py` from the repository root.

Every value can be changed from the environment, so one image serves every host; docs/production.md
lists the settings of the application itself.
"""

import multiprocessing
import os
from pathlib import Path

wsgi_app = "returns_site.wsgi:application"

# Behind a reverse proxy on the same host by default; a container publishes its port with PORT or BIND.
bind = [os.environ.get("BIND") or ("0.0.0.0:" + os.environ["PORT"] if os.environ.get("PORT") else "127.0.0.1:8000")]
# Synchronous workers: the views are short database requests; more processes, not threads, scale them.
workers = int(os.environ.get("WEB_CONCURRENCY", str(multiprocessing.cpu_count() * 2 + 1)))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# A request still running after this is killed and logged: label PDFs and exports finish well within it.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# Longer than gunicorn's 2 s: the proxy in front keeps its connections to us open between requests.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Each worker is replaced after this many requests (jittered so they do not all restart at once),
# bounding the memory any slow leak can take.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "100"))

# Only the proxy's addresses may say a request came over https (X-Forwarded-Proto); the application
# reads the same header through SECURE_PROXY_SSL_HEADER.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs to stdout and stderr, for the process manager or container runtime to collect.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The default line plus the time taken in microseconds (%(D)s).
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s'

# Several servers may run on one host (scale-out): one shared control socket would clash between them.
control_socket_disable = True
# The workers' heartbeat files in memory, not on a disk that may be slow or read-only in a container.
# gunicorn makes them with mkstemp (private, random names) and they hold no data: no shared-/tmp risk.
worker_tmp_dir = "/dev/shm" if Path("/dev/shm").is_dir() else None  # nosec B108
