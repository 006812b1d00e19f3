"""Source connectors: one folder per source system, plus what they share in ``common``.

A connector knows its system's protocol and nothing else: it fetches pages, lands every
record untouched in the raw lake, and advances its cursor only once the batch is landed.
"""
