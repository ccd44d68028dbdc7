"""WSGI entry point: `gunicorn wsgi:app` (see gunicorn.conf.py)."""

from dashapp import create_app

app = create_app()
