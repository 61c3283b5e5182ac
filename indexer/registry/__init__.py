"""The entity registry's domain operations (indexer side): corpus statistics of the extracted entities,
resolution of short forms into full names, curation files, and the sync that derives the articles' facet fields
and the registry index from them. Engine I/O for the registry index itself is core/registry.py."""
