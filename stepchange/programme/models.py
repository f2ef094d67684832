"""Programme tables: the Call to Action's key activity to date."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from stepchange.core.database import Base


class KeyActivity(Base):
    """A line of the Call to Action's "Key Activity To Date", its date kept as the source wrote it."""

    __tablename__ = "key_activity"

    position: Mapped[int] = mapped_column(Integer, unique=True, doc="Order in the source document")
    date_text: Mapped[str] = mapped_column(String(40))
    starts_on: Mapped[dt.date] = mapped_column(Date, doc="The first day the source's date can mean")
    ends_on: Mapped[dt.date] = mapped_column(Date, doc="The last day the source's date can mean")
    description: Mapped[str] = mapped_column(Text)
