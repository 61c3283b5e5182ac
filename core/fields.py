"""Where each entity type lives in an article document (mappings/articles.json). Written by the indexer, read by
the API.

- `entities` (stored, not indexed): what extraction found, as it found it (type, key, name, count), plus what
  the entity registry made of it (`resolved`: the entity's key when another; `hidden`: curated away).
- `extracted_keys` (indexed): `type|key` of every extracted entity, unchanged by resolution or curation, so the
  articles a mapping change affects can be found.
- `persons`, `organizations`, `locations`: the facet fields, derived from the extracted keys through the current
  resolution and curation mapping.
"""

ENTITY_TYPES = ("person", "organization", "location")
ENTITY_FIELDS = {"person": "persons", "organization": "organizations", "location": "locations"}
EXTRACTED_KEYS = "extracted_keys"


def extracted_key(entity_type: str, key: str) -> str:
    return f"{entity_type}|{key}"
