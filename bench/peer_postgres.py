"""The FastAPI tutorial app on PostgreSQL, for bench/run.py: NOT the tutorial's code.

The tutorial's engine passes SQLite's `check_same_thread` to every driver, which psycopg2
refuses, and its default pool (5 + 10 overflow) stalls with more requests in flight than
connections (its endpoints are `async def` around a synchronous session; see the peer's
README). This module swaps in an engine for PostgreSQL (psycopg2) with a pool as large as
the bench's connections per worker, pre-ping off as the tutorial has it, before the app is
imported; every other line of the tutorial is untouched. Run from the peer's directory with
APP=peer_postgres:app and DATABASE_URL=postgresql+psycopg2://...
"""

from sqlmodel import create_engine

import app.database as database
from app.config import settings

database.engine = create_engine(settings.database_url, pool_size=32, max_overflow=32)

from app.main import app  # noqa: E402  (must come after the engine swap)

__all__ = ["app"]
