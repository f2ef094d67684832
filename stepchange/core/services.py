"""The base of every domain service: advanced-alchemy's repository service with its session at hand."""

from __future__ import annotations

from typing import Generic, cast

from advanced_alchemy.repository.typing import ModelT, SQLAlchemyAsyncRepositoryT
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from sqlalchemy.ext.asyncio import AsyncSession


class DomainService(
    SQLAlchemyAsyncRepositoryService[ModelT, SQLAlchemyAsyncRepositoryT], Generic[ModelT, SQLAlchemyAsyncRepositoryT]
):
    """Services add rows of several tables in one unit of work, so they reach the session directly."""

    @property
    def session(self) -> AsyncSession:
        return cast("AsyncSession", self.repository.session)
