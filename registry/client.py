"""A small HTTP client of a running registry, for the CLI beside `mpr serve`.

The embedded store belongs to one process (pyoxigraph documents opening it read-only while another
process writes as undefined behaviour, and 0.5 has no secondary mode), so while a server runs, the CLI
asks that server instead of the files: the same answers, through the same access rule.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from registry.errors import RegistryError

#: Written by `mpr serve` into its data folder, so commands run beside it know where to ask.
SERVER_FILE = "server.json"
TIMEOUT_S = 120.0  # a SPARQL query may take the server's own limit (MPR_QUERY_TIMEOUT_S, default 30 s) and more


class ClientError(RegistryError):
    """The server refused or could not be reached; the message is the server's `detail`."""


@dataclass(frozen=True)
class RegistryClient:
    url: str
    token: str | None = None

    def _headers(self, accept: str = "application/json") -> dict[str, str]:
        headers = {"Accept": accept}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def _send(
        self, method: str, path: str, accept: str = "application/json", headers_extra: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        try:
            response = httpx.request(method, self.url.rstrip("/") + path,
                                     headers={**self._headers(accept), **(headers_extra or {})},
                                     timeout=TIMEOUT_S, **kwargs)
        except httpx.HTTPError as exc:
            raise ClientError(f"cannot reach the registry at {self.url} (still starting? stopped?): {exc}") from exc
        if response.status_code >= 400:
            raise ClientError(f"{self.url} answered {response.status_code}: {_detail(response)}",
                              report=_report(response), problems=_problems(response), status=response.status_code)
        return response

    def query(self, text: str, media_type: str) -> bytes:
        return self._send("POST", "/sparql", media_type, data={"query": text}).content

    def indicators(self, passport_id: str, method: str, parts: bool) -> dict[str, Any]:
        params = {"method": method, "parts": str(parts).lower()}
        answer: dict[str, Any] = self._send("GET", f"/passports/{passport_id}/indicators", params=params).json()
        return answer

    def urban_mine(self, csv: bool, at: str | None = None, municipality: str | None = None,
                   province: str | None = None) -> bytes:
        filters = {"at": at, "municipality": municipality, "province": province}
        params = {"format": "csv" if csv else "json", **{k: v for k, v in filters.items() if v is not None}}
        return self._send("GET", "/reports/urban-mine", params=params).content

    def baseline(self, organisation: str, csv: bool, at: str | None = None) -> bytes:
        params = {"format": "csv" if csv else "json", **({"at": at} if at is not None else {})}
        return self._send("GET", f"/organisations/{quote(organisation, safe='')}/baseline", params=params).content

    def match(self, demand: bytes, media_type: str, limit: int) -> dict[str, Any]:
        answer: dict[str, Any] = self._send("POST", "/match", params={"limit": limit}, content=demand,
                                            headers_extra={"Content-Type": media_type}).json()
        return answer

    def put_passport(self, passport_id: str, data: bytes, media_type: str, reason: str) -> dict[str, Any]:
        """A new passport, or a new version of the one with this id (as `mpr load` does locally)."""
        answer: dict[str, Any] = self._send("PUT", f"/passports/{passport_id}", content=data,
                                            headers_extra={"Content-Type": media_type,
                                                           "X-Change-Reason": reason}).json()
        return answer

    def import_file(
        self, route: str, name: str, data: bytes, media_type: str, slug: str, dry_run: bool, mappings: str | None,
    ) -> dict[str, Any]:
        """POST /imports/{route} ("ifc", "spreadsheet", "epd") as a one-file form, so the report names the file."""
        params = {"dry_run": str(dry_run).lower(), **({"mappings": mappings} if mappings else {})}
        answer: dict[str, Any] = self._send("POST", f"/imports/{route}", params=params,
                                            files={"file": (name, data, media_type)},
                                            headers_extra={"Slug": slug}).json()
        return answer

    def check_tender(self, request: dict[str, Any], csv: bool) -> bytes:
        """POST /tenders/check: the report as JSON, or as the route's CSV."""
        return self._send("POST", "/tenders/check", "text/csv" if csv else "application/json", json=request).content

    def mappings(self, organisation: str, turtle: bool) -> bytes:
        return self._send("GET", f"/organisations/{quote(organisation, safe='')}/material-mappings",
                          "text/turtle" if turtle else "application/json").content

    def put_mappings(self, organisation: str, table: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = self._send("PUT", f"/organisations/{quote(organisation, safe='')}/material-mappings",
                                            json=table).json()
        return answer

    def profiles(self) -> dict[str, Any]:
        answer: dict[str, Any] = self._send("GET", "/profiles", params={"limit": 500}).json()
        return answer

    def factor_set(self, organisation: str, name: str, version: int | None, turtle: bool) -> bytes:
        return self._send("GET", f"/organisations/{quote(organisation, safe='')}/carbon-factors/{quote(name, safe='')}",
                          "text/turtle" if turtle else "application/json",
                          params={"version": version} if version is not None else None).content

    def put_factor_set(self, organisation: str, name: str, body: bytes, media_type: str,
                       visibility: str | None) -> dict[str, Any]:
        answer: dict[str, Any] = self._send(
            "PUT", f"/organisations/{quote(organisation, safe='')}/carbon-factors/{quote(name, safe='')}",
            content=body, headers_extra={"Content-Type": media_type},
            params={"visibility": visibility} if visibility is not None else None).json()
        return answer

    def verify(self, credential: bytes) -> dict[str, Any]:
        answer: dict[str, Any] = self._send("POST", "/credentials/verify", content=credential,
                                            headers_extra={"Content-Type": "application/vc+jwt"}).json()
        return answer

    def create_token(self, organisation: str, role: str, expires: date | None, label: str | None) -> dict[str, Any]:
        request = {"organisation": organisation, "role": role,
                   "expires": expires.isoformat() if expires else None, "label": label}
        answer: dict[str, Any] = self._send("POST", "/admin/tokens", json=request).json()
        return answer

    def tokens(self) -> list[dict[str, Any]]:
        answer: list[dict[str, Any]] = self._send("GET", "/admin/tokens").json()["tokens"]
        return answer

    def revoke_token(self, token_id: str) -> dict[str, Any]:
        answer: dict[str, Any] = self._send("DELETE", f"/admin/tokens/{token_id}").json()
        return answer


def _report(response: httpx.Response) -> dict[str, Any] | None:
    """The validation report of a 422, if the answer has one."""
    try:
        report = response.json().get("report")
    except (ValueError, AttributeError):
        return None
    return report if isinstance(report, dict) else None


def _problems(response: httpx.Response) -> list[dict[str, Any]] | None:
    """The rows or fields an import refused (400 from a spreadsheet or an EPD), if the answer lists them."""
    try:
        problems = response.json().get("problems")
    except (ValueError, AttributeError):
        return None
    return problems if isinstance(problems, list) else None


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json()["detail"])
    except (ValueError, KeyError, TypeError):
        return response.text[:500]


def announce(data: Path, url: str) -> Path | None:
    """Tell later commands that this process serves the store in `data`, and where. None when a live
    server already said so: this process will find the store locked, and must not hide that one."""
    if running_server(data) is not None:
        return None
    data.mkdir(parents=True, exist_ok=True)
    path = data / SERVER_FILE
    path.write_text(json.dumps({"url": url, "pid": os.getpid()}))
    return path


def running_server(data: Path) -> str | None:
    """The URL of the live `mpr serve` that owns `data`, or None (no file, or its process has ended)."""
    try:
        entry = json.loads((data / SERVER_FILE).read_text())
        pid, url = int(entry["pid"]), str(entry["url"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, someone else's
    return url
