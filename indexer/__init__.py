"""The write side: read -> validate -> enrich -> build document -> bulk write."""
