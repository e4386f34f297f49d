"""The Data Docs made to render offline: the CDN scripts and styles Great Expectations' pages link to are
replaced by local copies.

Bootstrap, jQuery (and Popper, in Bootstrap's bundle) and Font Awesome come from the pinned `xstatic-*`
packages. bootstrap-table, which fills the index page's tables from data embedded in the page, has no
offline package: `static/bootstrap-table-lite.js` (this folder) renders that data as a plain sortable
table. The date picker, the dark theme and vega (charts of column distributions, which these suites do
not draw) are dropped. Every page is rewritten after Great Expectations renders it.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

VENDOR = "static/vendor"
HERE = Path(__file__).parent


def _vendor_files() -> dict[str, Path]:
    """Local name (under static/vendor) -> installed file."""
    import xstatic.pkg.bootstrap as bootstrap
    import xstatic.pkg.font_awesome as font_awesome
    import xstatic.pkg.jquery as jquery

    return {
        "bootstrap.min.css": Path(bootstrap.BASE_DIR) / "css" / "bootstrap.min.css",
        "bootstrap.bundle.min.js": Path(bootstrap.BASE_DIR) / "js" / "bootstrap.bundle.min.js",
        "jquery.min.js": Path(jquery.BASE_DIR) / "jquery.min.js",
        "font-awesome/css/all.min.css": Path(font_awesome.BASE_DIR) / "css" / "all.min.css",
        "bootstrap-table-lite.js": HERE / "static" / "bootstrap-table-lite.js",
    }


# CDN address (a prefix of the src/href) -> local file under static/vendor; None: the tag is dropped.
REPLACEMENTS: list[tuple[str, str | None]] = [
    ("https://maxcdn.bootstrapcdn.com/bootstrap/", "bootstrap.min.css"),
    ("https://stackpath.bootstrapcdn.com/bootstrap/", "bootstrap.bundle.min.js"),
    ("https://code.jquery.com/jquery", "jquery.min.js"),
    ("https://cdnjs.cloudflare.com/ajax/libs/font-awesome/", "font-awesome/css/all.min.css"),
    ("https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js", "bootstrap-table-lite.js"),
    ("https://cdnjs.cloudflare.com/ajax/libs/popper.js/", None),  # in Bootstrap's bundle
    ("https://", None),  # anything else remote: dropped, never fetched
]
_TAG = re.compile(r"<(script|link)\b[^>]*?\b(?:src|href)=\"(https?://[^\"]+)\"[^>]*>(?:\s*</script>)?", re.S)
# Images Great Expectations loads from its S3 bucket with the data context's id in the query string (a
# beacon), in <img> tags and in CSS: the same images ship in the site's static/images.
_GE_ASSETS = re.compile(
    r"https://great-expectations-web-assets\.s3[^/]*\.amazonaws\.com/([A-Za-z0-9_.-]+)(?:\?[^\"')\s]*)?"
)


def _install_vendor(docs_dir: Path) -> None:
    for name, source in _vendor_files().items():
        target = docs_dir / VENDOR / name
        if not target.exists() or target.stat().st_size != source.stat().st_size:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    fonts = Path(_vendor_files()["font-awesome/css/all.min.css"]).parent.parent / "webfonts"
    shutil.copytree(fonts, docs_dir / VENDOR / "font-awesome" / "webfonts", dirs_exist_ok=True)


def _localize(html: str, prefix: str) -> str:
    def replace(match: re.Match) -> str:
        tag, url = match.group(1), match.group(2)
        local = next((name for start, name in REPLACEMENTS if url.startswith(start)), None)
        if local is None:
            return ""
        if tag == "script":
            return f'<script src="{prefix}{VENDOR}/{local}"></script>'
        return f'<link rel="stylesheet" href="{prefix}{VENDOR}/{local}">'

    html = _TAG.sub(replace, html)
    return _GE_ASSETS.sub(lambda m: f"{prefix}static/images/{m.group(1)}", html)


def localize_docs(docs_dir: Path, since: float | None = None) -> int:
    """Rewrite the site's pages (those written after `since`, else all) to load local assets; return
    how many pages changed."""
    if not docs_dir.is_dir():
        return 0
    _install_vendor(docs_dir)
    changed = 0
    for page in docs_dir.rglob("*.html"):
        if since is not None and page.stat().st_mtime < since:
            continue
        text = page.read_text(encoding="utf-8")
        depth = len(page.relative_to(docs_dir).parts) - 1
        new = _localize(text, "../" * depth)
        if new != text:
            partial = page.with_name(page.name + ".partial")
            partial.write_text(new, encoding="utf-8")
            os.replace(partial, page)  # a reader never sees half a page
            changed += 1
    return changed
