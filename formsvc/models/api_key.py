from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from formsvc.db import Base, UTCDateTime, utcnow


class ApiKey(Base):
    """A trusted system's key (12345 platform, county app, mini-program backend).

    The key the system sends is ``cpk_<key_id>_<secret>``; only ``key_id`` (to find the row) and
    the SHA-256 of the secret are stored, so the database never holds a usable key. The full key
    is shown once, when it is created or rotated (services/api_keys.py).
    """

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    owner: Mapped[str] = mapped_column(String(200), default="")
    # space-separated, from formsvc.domain.channels.SCOPES
    scopes: Mapped[str] = mapped_column(String(200), default="")
    # the channel of the messages it submits (formsvc.domain.channels.KEY_CHANNELS)
    channel: Mapped[str] = mapped_column(String(16))
    # Flask-Limiter syntax; "" uses API_KEY_RATE_LIMIT
    rate_limit: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the first key of its rotation chain (None: this key is the first); a key reads on behalf
    # the messages of its whole chain (migration 0018)
    lineage_id: Mapped[int | None] = mapped_column(Integer)

    @property
    def lineage(self) -> int:
        """The id that names this key's rotation chain."""
        return self.lineage_id or self.id

    @property
    def scope_list(self) -> list[str]:
        """The scopes, in the order they were given."""
        return self.scopes.split()
