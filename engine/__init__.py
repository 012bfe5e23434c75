"""Pure domain logic of Skillpath.

Nothing in this package imports Flask, SQLAlchemy, the web-push or WebAuthn
libraries, or our own ``pwa`` and ``api`` packages: plain dataclasses come in,
plain dataclasses go out, and time is passed in by the caller.
"""
