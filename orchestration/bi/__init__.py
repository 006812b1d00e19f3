"""Publishing for BI: the read-only copies BI tools read (warehouse/publish.py)."""
