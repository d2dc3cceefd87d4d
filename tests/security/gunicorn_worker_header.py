"""gunicorn settings for tests: every response names the worker process that served it."""

import os


def post_worker_init(worker):
    app = worker.wsgi
    inner = app.wsgi_app

    def named(environ, start_response):
        def start(status, headers, exc_info=None):
            headers.append(("X-Worker", str(os.getpid())))
            return start_response(status, headers, exc_info)

        return inner(environ, start)

    app.wsgi_app = named
