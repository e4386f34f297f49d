"""`ai-index pin EDITION`: record the bundle's sha256 in its manifest (`source.sha256`), as OWID's ETL
pins a snapshot. The manifest is edited as text, so its comments and layout stay as the person wrote
them; only the `sha256:` line of the `source:` block is written (added if missing)."""

from __future__ import annotations

import re
from pathlib import Path

from orchestration.atomic import write_atomically
from orchestration.releases.bundle import open_bundle
from orchestration.releases.manifest import MANIFEST_NAME

_SOURCE = re.compile(r"^source:[ \t]*$", re.MULTILINE)
_SHA_IN_SOURCE = re.compile(r"^(source:[ \t]*\n(?:[ \t]+.*\n)*?)([ \t]+)sha256:.*$", re.MULTILINE)


def pin(edition_dir: Path) -> str:
    """Write the bundle's current sha256 into the manifest; return it."""
    bundle = open_bundle(edition_dir, verify_pin=False)
    sha = bundle.content_sha256()
    path = edition_dir / MANIFEST_NAME
    text = path.read_text(encoding="utf-8")
    if _SHA_IN_SOURCE.search(text):
        text = _SHA_IN_SOURCE.sub(lambda m: f"{m.group(1)}{m.group(2)}sha256: {sha}", text, count=1)
    elif _SOURCE.search(text):
        text = _SOURCE.sub(f"source:\n  sha256: {sha}", text, count=1)
    else:
        text = text.rstrip("\n") + f"\nsource:\n  sha256: {sha}\n"
    write_atomically(path, text)
    open_bundle(edition_dir)  # the manifest still parses and the pin holds
    return sha
