"""WSGI entry point for production: ``gunicorn formsvc.server.wsgi:app`` behind nginx.

nginx serves output/ (the static portal) and proxies /hdjl/, /api/ and /search here. Migrations
are applied by the deploy step (``flask --app formsvc db-upgrade``), not at import.
"""

from formsvc import create_app

app = create_app()
