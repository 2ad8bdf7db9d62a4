"""The HTTP layer: thin FastAPI routers over the domain core."""

from registry.api.app import create_app

__all__ = ["create_app"]
