"""`ai-index docs`: the generated documentation over http on 127.0.0.1 (never another interface).

    /ge/       Great Expectations Data Docs (assets bundled: they render offline)
    /dbt/      dbt docs (the catalog needs http: browsers refuse its fetch from file://)
    /reports/  country profiles and the overview
    /exports/  the exports and their README

The standard library's HTTP server, one folder per prefix; anything else is a 404. The asset checks'
Data Docs links point here (orchestration.settings.docs_url).
"""

from __future__ import annotations

import html
import posixpath
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from orchestration.settings import Settings, docs_roots


class DocsHandler(SimpleHTTPRequestHandler):
    def __init__(self, *args, folders: dict[str, Path], **kwargs):
        self.folders = folders
        super().__init__(*args, directory=str(next(iter(folders.values()))), **kwargs)

    def translate_path(self, path: str) -> str:
        parts = [
            p for p in posixpath.normpath(unquote(urlsplit(path).path)).split("/") if p not in ("", ".", "..")
        ]
        if not parts or parts[0] not in self.folders:
            return ""  # not served
        root = self.folders[parts[0]].resolve()
        target = root.joinpath(*parts[1:]).resolve()
        return str(target) if target.is_relative_to(root) else ""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if urlsplit(self.path).path in ("", "/"):
            links = "".join(
                f'<li><a href="/{name}/">{html.escape(name)}</a>: {html.escape(str(folder))}</li>'
                for name, folder in self.folders.items()
            )
            body = (
                f"<!doctype html><title>AI Index docs</title><h1>AI Index warehouse docs</h1><ul>{links}</ul>"
            )
            data = body.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        if not self.translate_path(self.path):
            self.send_error(404, "not served")
            return
        super().do_GET()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - http.server's signature
        pass  # quiet: the command prints its address once


def make_server(settings: Settings, port: int) -> ThreadingHTTPServer:
    """A server bound to 127.0.0.1 only (port 0: any free port)."""
    return ThreadingHTTPServer(("127.0.0.1", port), partial(DocsHandler, folders=docs_roots(settings)))
