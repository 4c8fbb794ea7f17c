"""Connectors: clients for outside systems (HR directory, LMS admin API), each with a fake
that runs as a real local HTTP server. The clients and fakes are plain Python (no Django);
the admin-editable configuration lives in `models.py` and `clients.py` builds clients from it.
"""
