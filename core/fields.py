"""Where each entity type lives in an article document (mappings/articles.json): the keyword field of its
canonical keys and the field of its display names. Written by the indexer, read by the API."""

ENTITY_FIELDS = {
    "person": ("persons", "person_names"),
    "organization": ("organizations", "organization_names"),
    "location": ("locations", "location_names"),
}
