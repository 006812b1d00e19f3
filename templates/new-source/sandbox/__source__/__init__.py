"""Stand-in for __Title__ (started by sandbox/serve.py beside the others: ``stand_in``)."""

from sandbox.__source__.server import __Source__StandIn, stand_in

__all__ = ["__Source__StandIn", "stand_in"]
