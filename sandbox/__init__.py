"""The sandbox: stand-ins for the five source systems, serving one deterministic Kaifeng world.

Connectors never know they talk to a stand-in: each speaks its system's real protocol, and
pointing a connector at the real system is a change of its ``GOVHUB_<SOURCE>_*`` settings.
"""
