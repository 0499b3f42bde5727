"""Settings, read from environment variables (prefix ``MIGCAP_``) or a ``.env`` file.

Examples
--------
>>> import os
>>> os.environ["MIGCAP_DATA_DIR"] = "/tmp/migcap-doc"
>>> get_settings.cache_clear()
>>> str(get_settings().store_path)
'/tmp/migcap-doc/warehouse.duckdb'
>>> del os.environ["MIGCAP_DATA_DIR"]; get_settings.cache_clear()
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings", "package_data_dir"]


def _default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("migcap", appauthor=False))


def package_data_dir() -> Path:
    """The folder of data shipped inside the package (snapshots, classifications, maps)."""
    return Path(__file__).parent / "data"


class Settings(BaseSettings):
    """Where migcap keeps its files and how it connects to databases.

    Attributes
    ----------
    data_dir
        The user's data folder: the warehouse, imported editions, user schemes.
        ``MIGCAP_DATA_DIR``; default: the platform's user data folder.
    database_url
        SQLAlchemy URL of the assessments database (``MIGCAP_DATABASE_URL``);
        default: SQLite in ``data_dir``.
    """

    model_config = SettingsConfigDict(env_prefix="MIGCAP_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str | None = None

    @property
    def store_path(self) -> Path:
        """The DuckDB warehouse file."""
        return self.data_dir / "warehouse.duckdb"

    @property
    def imports_dir(self) -> Path:
        """Snapshots added by ``migcap data import``/``update`` (one folder per dataset)."""
        return self.data_dir / "imports"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process (cached; call ``get_settings.cache_clear()`` after changing the
    environment)."""
    return Settings()
