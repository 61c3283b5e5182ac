"""One blueprint per resource: search, articles, facets, health."""
