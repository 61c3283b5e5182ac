"""Request-time access to the settings and engine client the app was built with."""
from __future__ import annotations

from elasticsearch import Elasticsearch
from flask import current_app

from core.settings import Settings


def settings() -> Settings:
    return current_app.extensions["akhbar.settings"]


def es() -> Elasticsearch:
    return current_app.extensions["akhbar.es"]
