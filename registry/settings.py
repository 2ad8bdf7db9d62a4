"""Runtime configuration: one object, built once and passed in, never read from module globals."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Everything the registry needs to know at start-up; `MPR_*` environment variables are the defaults."""

    model_config = SettingsConfigDict(env_prefix="MPR_", extra="ignore")

    base_url: str = Field(
        "http://127.0.0.1:8000",
        description="Public URL of the registry; passport IRIs are minted under it and must stay stable.",
    )
    data: Path = Field(Path("data"), description="Folder of the embedded stores (full/ and public/).")
    sparql_query: str | None = Field(None, description="SPARQL 1.1 query endpoint of a remote store.")
    sparql_update: str | None = Field(None, description="SPARQL 1.1 update endpoint of a remote store.")
    graph_store: str | None = Field(None, description="Graph Store HTTP Protocol endpoint, if the server has one.")
    public_sparql_query: str | None = Field(
        None, description="Query endpoint of the remote store holding the public projection (anonymous SPARQL)."
    )
    public_sparql_update: str | None = Field(None, description="Update endpoint of that public store.")
    sparql_user: str | None = None
    sparql_password: str | None = None
    sparql_auth: str = Field("basic", description="'basic' or 'digest' authentication for the remote store.")
    load_examples: bool = Field(True, description="Load examples/ into an empty store at start-up.")
    examples_dir: Path = PROJECT_ROOT / "examples"
    ontology_dir: Path = PROJECT_ROOT / "ontology"
    shapes_dir: Path = PROJECT_ROOT / "shapes"
    validation_engine: str = Field(
        "shacl", description="SHACL engine that checks uploads: 'shacl' (fast, default) or 'pyshacl' (reference)."
    )
    max_body_bytes: int = Field(50 * 1024 * 1024, description="Largest accepted request body (413 above).")
    query_timeout_s: float = Field(30.0, description="Time limit of one SPARQL query through /sparql.")
    max_concurrent_queries: int = Field(4, description="SPARQL queries running at once; more get 503.")
    admin_token: str | None = Field(None, description="Bearer token that may run SPARQL updates.")
    session_hours: float = Field(
        8.0, gt=0, le=720, description="Lifetime of a browser session opened on /signin with a token (hours)."
    )
    cors_origins: str = Field(
        "", description="Comma-separated origins whose pages may call the API (CORS), or '*' for any; empty: off."
    )
    keys_dir: Path | None = Field(
        None, description="Folder of the signing keys (default DATA/keys); registry workers on several machines "
        "must share it, or each would sign with a key the others do not publish.",
    )
    indicators_at_write: bool = Field(
        True, description="Compute each passport's indicator summary in the background right after every write, "
                           "so the first read is served from the store (registry/indicators/background.py).")
    map_tiles: str = Field(
        "", description="Tile URL template of the maps in the pages ({z}/{x}/{y}), e.g. an OpenStreetMap tile "
        "server you may use; empty: markers on a blank map, which works offline."
    )
    map_attribution: str = Field("", description="Attribution the tile server asks for, shown on the map.")

    @property
    def base(self) -> str:
        return self.base_url.rstrip("/")

    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip().rstrip("/") for o in self.cors_origins.split(",") if o.strip()]

    @property
    def remote(self) -> bool:
        return bool(self.sparql_query)
