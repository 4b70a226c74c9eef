"""Ways to run the app: HTTP (``python -m bot``), gunicorn (``wsgi``), Socket Mode."""
