"""The JSON API the PWA talks to, one blueprint per resource under /api/v1.

A new resource is one module with its blueprint, and one line in ``BLUEPRINTS``.
"""

from __future__ import annotations

from api import analytics, auth, content, gaps, me, mentors, openapi, plan, push, releases, sync

BLUEPRINTS = [auth.bp, me.bp, content.bp, plan.bp, mentors.bp, sync.bp, analytics.bp, gaps.bp,
              releases.bp, push.bp, openapi.bp]
