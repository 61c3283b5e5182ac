"""What the indexer and the API both need: settings, the engine client, the index definition, Arabic text rules.

`api` and `indexer` never import each other; each imports only from here.
"""
