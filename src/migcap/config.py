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

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings", "package_data_dir", "pinned_edition"]


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


def pinned_edition(dataset: str) -> str | None:
    """The edition of ``dataset`` a user has pinned as the default, if any.

    A pin keeps a team on one edition when a newer one arrives (for example IMS 2020 while a report
    is finished). It is read from, in this order:

    * the environment: ``MIGCAP_EDITION_<DATASET>`` (``MIGCAP_EDITION_MIGRANT_STOCK=2020``);
    * ``editions.toml`` in the data folder: a table ``[editions]`` of ``dataset = "edition"``.

    Without a pin the default is the newest edition (see
    :func:`migcap.store.warehouse.resolve_edition`).

    Raises
    ------
    migcap.errors.InputError
        If ``editions.toml`` is not valid TOML or a value is not text.

    Examples
    --------
    >>> os.environ["MIGCAP_EDITION_MIGRANT_STOCK"] = "2020"
    >>> pinned_edition("migrant_stock")
    '2020'
    >>> del os.environ["MIGCAP_EDITION_MIGRANT_STOCK"]
    """
    value = os.environ.get(f"MIGCAP_EDITION_{dataset.upper()}")
    if value:
        return value.strip()
    path = get_settings().data_dir / "editions.toml"
    if not path.exists():
        return None
    import tomllib

    from migcap.errors import InputError

    try:
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("editions", {})
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not valid TOML ({exc})", file=str(path)) from None
    pinned = table.get(dataset) if isinstance(table, dict) else None
    if pinned is not None and not isinstance(pinned, str):
        raise InputError(f"the edition of {dataset} must be text, e.g. \"2020\"", file=str(path),
                          value=pinned)
    return pinned
