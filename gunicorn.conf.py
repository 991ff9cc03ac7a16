"""gunicorn settings (read from the working directory by the Procfile's `web`)."""
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
timeout = 30
graceful_timeout = 25  # stop within Heroku's 30 s after SIGTERM
accesslog = "-"
