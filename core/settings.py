"""Configuration, read once from environment variables. Every variable, its default and meaning is listed here
(and in the README's configuration table)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The entity model that ships in the package, the CRF with a network beside it (`make model` rebuilds it): used
# unless AKHBAR_ENTITY_MODEL says else.
SHIPPED_ENTITY_MODEL = PROJECT_ROOT / "indexer" / "enrich" / "entities" / "data" / "entity-model-network.xz"
# The same CRF alone (`make model-crf`), AKHBAR_ENTITY_MODEL=crf: indexes faster, a little less accurate.
SHIPPED_CRF_MODEL = SHIPPED_ENTITY_MODEL.with_name("entity-model.xz")


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _number(name: str, default, kind):
    raw = _env(name, str(default))
    try:
        return kind(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a {'whole ' if kind is int else ''}number, got {raw!r}") from None


def _float(name: str, default: float) -> float:
    return _number(name, default, float)


def _int(name: str, default: int) -> int:
    return _number(name, default, int)


def _keys(name: str) -> tuple[str, ...]:
    """Keys from NAME (comma-separated) and from the file NAME_FILE (one a line, `#` comments), in that order."""
    keys = [k.strip() for k in os.environ.get(name, "").split(",")]
    path = os.environ.get(f"{name}_FILE", "").strip()
    if path:
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except OSError as error:
            raise SystemExit(f"{name}_FILE: cannot read {path} ({error.strerror})") from None
        keys += [line.strip() for line in lines if not line.lstrip().startswith("#")]
    return tuple(dict.fromkeys(k for k in keys if k))
def _entity_model(value: str) -> Path | None:
    named = {"none": None, "crf": SHIPPED_CRF_MODEL, "network": SHIPPED_ENTITY_MODEL}  # network: as before
    return named[value.lower()] if value.lower() in named else Path(value)


@dataclass(frozen=True)
class Settings:
    # Engine
    elasticsearch_url: str | None  # ELASTICSEARCH_URL: an external cluster; set means "start nothing"
    engine_port: int  # AKHBAR_ENGINE_PORT: HTTP port of the embedded engine
    engine_home: Path  # AKHBAR_ENGINE_HOME: data, pid file and log of the embedded engine
    engine_heap: str  # AKHBAR_ENGINE_HEAP: JVM heap of the embedded engine
    engine_start_timeout: float  # AKHBAR_ENGINE_START_TIMEOUT: seconds to wait for a yellow cluster
    request_timeout: float  # AKHBAR_REQUEST_TIMEOUT: seconds any single engine call may take
    # Index
    index_alias: str  # AKHBAR_INDEX_ALIAS: the alias searches and writes go through
    # Indexer
    index_workers: int  # AKHBAR_INDEX_WORKERS: enrichment processes (0 = in-process)
    bulk_chunk_bytes: int  # AKHBAR_BULK_CHUNK_BYTES: bulk request size
    entity_model: Path | None  # AKHBAR_ENTITY_MODEL: the entity model (None: the rules alone)
    # API
    api_port: int  # AKHBAR_API_PORT: port `akhbar serve` binds
    cors_origins: tuple[str, ...] = field(default_factory=tuple)  # AKHBAR_CORS_ORIGINS: comma-separated
    highlight_pre: str = "<mark>"  # AKHBAR_HIGHLIGHT_PRE
    highlight_post: str = "</mark>"  # AKHBAR_HIGHLIGHT_POST
    max_request_bytes: int = 64 * 1024  # AKHBAR_MAX_REQUEST_BYTES: larger requests get 413
    # Reliability and secured clusters
    engine_wait: float = 120.0  # AKHBAR_ENGINE_WAIT: seconds the indexer rides out an engine outage, then stops
    api_key: str | None = field(default=None, repr=False)  # ELASTICSEARCH_API_KEY (encoded id:key)
    username: str | None = None  # ELASTICSEARCH_USERNAME
    password: str | None = field(default=None, repr=False)  # ELASTICSEARCH_PASSWORD
    ca_certs: str | None = None  # ELASTICSEARCH_CA_CERTS: PEM file of the CA that signed the cluster's certificate
    verify_certs: bool = True  # ELASTICSEARCH_VERIFY_CERTS: false only for a throw-away test cluster
    index_shards: int | None = None  # AKHBAR_INDEX_SHARDS: primary shards of new indices (unset: mappings/)
    index_replicas: int | None = None  # AKHBAR_INDEX_REPLICAS: replicas of new indices (unset: mappings/)
    # Entity registry
    curation_file: Path | None = None  # AKHBAR_CURATION_FILE: merges/hides/renames applied after every index run
    # Keys are never shown (repr=False), so settings can be printed or logged
    search_keys: tuple[str, ...] = field(default=(), repr=False)  # AKHBAR_SEARCH_KEYS[_FILE]: unset = open search
    # Ingest API
    ingest_port: int = 8001  # AKHBAR_INGEST_PORT: port `akhbar serve-ingest` binds
    ingest_keys: tuple[str, ...] = field(default=(), repr=False)  # AKHBAR_INGEST_KEYS[_FILE]: required to serve
    ingest_max_request_bytes: int = 16 * 1024 * 1024  # AKHBAR_INGEST_MAX_REQUEST_BYTES: larger bodies get 413
    # Training
    cache_dir: Path = PROJECT_ROOT / ".akhbar" / "cache"  # AKHBAR_CACHE_DIR: word classes built from a corpus

    @property
    def engine_url(self) -> str:
        return self.elasticsearch_url or f"http://127.0.0.1:{self.engine_port}"

    @property
    def index_shape(self) -> dict:
        """Shards and replicas for new indices, where set (the rest comes from mappings/)."""
        shape = {"shards": self.index_shards, "replicas": self.index_replicas}
        return {key: value for key, value in shape.items() if value is not None}

    @property
    def engine_hosts(self) -> list[str]:
        """ELASTICSEARCH_URL may list several nodes of one cluster, comma-separated."""
        return [host.strip() for host in self.engine_url.split(",") if host.strip()]

    @property
    def engine_display(self) -> str:
        """The engine's address(es) fit to print: any user:password in a URL is left out."""
        return ", ".join(_without_credentials(host) for host in self.engine_hosts)

    @property
    def external_engine(self) -> bool:
        return self.elasticsearch_url is not None


def _without_credentials(url: str) -> str:
    scheme, separator, rest = url.rpartition("://")
    return f"{scheme}{separator}{rest.rpartition('@')[2]}"


def _flag(name: str, default: bool) -> bool:
    raw = _env(name, "true" if default else "false").lower()
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SystemExit(f"{name} must be true or false, got {raw!r}")


def _optional_int(name: str) -> int | None:
    return _int(name, 0) if _env(name, "") else None


def load() -> Settings:
    origins = tuple(o.strip() for o in _env("AKHBAR_CORS_ORIGINS", "").split(",") if o.strip())
    return Settings(
        elasticsearch_url=os.environ.get("ELASTICSEARCH_URL", "").strip() or None,
        engine_port=_int("AKHBAR_ENGINE_PORT", 9200),
        engine_home=Path(_env("AKHBAR_ENGINE_HOME", str(PROJECT_ROOT / ".akhbar" / "engine"))),
        engine_heap=_env("AKHBAR_ENGINE_HEAP", "1g"),
        engine_start_timeout=_float("AKHBAR_ENGINE_START_TIMEOUT", 180.0),
        request_timeout=_float("AKHBAR_REQUEST_TIMEOUT", 10.0),
        index_alias=_env("AKHBAR_INDEX_ALIAS", "articles"),
        index_workers=_int("AKHBAR_INDEX_WORKERS", os.cpu_count() or 1),
        bulk_chunk_bytes=_int("AKHBAR_BULK_CHUNK_BYTES", 5 * 1024 * 1024),
        entity_model=_entity_model(_env("AKHBAR_ENTITY_MODEL", str(SHIPPED_ENTITY_MODEL))),
        api_port=_int("AKHBAR_API_PORT", 8000),
        cors_origins=origins,
        highlight_pre=_env("AKHBAR_HIGHLIGHT_PRE", "<mark>"),
        highlight_post=_env("AKHBAR_HIGHLIGHT_POST", "</mark>"),
        max_request_bytes=_int("AKHBAR_MAX_REQUEST_BYTES", 64 * 1024),
        engine_wait=_float("AKHBAR_ENGINE_WAIT", 120.0),
        api_key=os.environ.get("ELASTICSEARCH_API_KEY", "").strip() or None,
        username=os.environ.get("ELASTICSEARCH_USERNAME", "").strip() or None,
        password=os.environ.get("ELASTICSEARCH_PASSWORD") or None,
        ca_certs=os.environ.get("ELASTICSEARCH_CA_CERTS", "").strip() or None,
        verify_certs=_flag("ELASTICSEARCH_VERIFY_CERTS", True),
        index_shards=_optional_int("AKHBAR_INDEX_SHARDS"),
        index_replicas=_optional_int("AKHBAR_INDEX_REPLICAS"),
        curation_file=Path(_env("AKHBAR_CURATION_FILE", "")) if _env("AKHBAR_CURATION_FILE", "") else None,
        search_keys=_keys("AKHBAR_SEARCH_KEYS"),
        ingest_port=_int("AKHBAR_INGEST_PORT", 8001),
        ingest_keys=_keys("AKHBAR_INGEST_KEYS"),
        ingest_max_request_bytes=_int("AKHBAR_INGEST_MAX_REQUEST_BYTES", 16 * 1024 * 1024),
        cache_dir=Path(_env("AKHBAR_CACHE_DIR", str(PROJECT_ROOT / ".akhbar" / "cache"))),
    )
