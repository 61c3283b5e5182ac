"""gunicorn entry point: `gunicorn ingest.wsgi:app` (what `akhbar serve-ingest` runs)."""
from ingest import create_app

app = create_app()
