"""The read side: a Flask REST API over the articles alias.

Search flows one way: parse request (schemas) -> build query (query.py, pure) -> call engine -> shape response
(results.py, pure) -> serialize (schemas).
"""
from api.app import create_app

__all__ = ["create_app"]
