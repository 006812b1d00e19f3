"""__Title__: a REST source read by day of update (written from the new-source template).

Entry point: ``__Source__`` (source.py), the platform's contract. Settings:
``__Source__Settings.from_env()`` (``GOVHUB___SOURCE___*``).
"""
