"""Read the published files of an edition: a folder, or the official zip in its place.

Nothing is extracted to disk: zip members are read in memory, after the checks that make a hostile
archive harmless (absolute paths, `..`, symlinks, oversized or bomb-like members). Raw files are only
ever opened for reading.
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from orchestration.errors import BundleError
from orchestration.releases.manifest import Manifest, read_manifest

# A figure CSV is a few KB; the largest synthetic edition file is ~2 MB. Anything far beyond is not a
# figure file (or is a decompression bomb), so it is refused before it is read into memory.
MAX_FILE_BYTES = int(os.environ.get("AI_INDEX_MAX_FILE_BYTES", 32 * 1024 * 1024))
MAX_ZIP_TOTAL_BYTES = 16 * MAX_FILE_BYTES
MAX_ZIP_RATIO = 200  # CSV compresses ~5-20x; 1000x+ is a bomb
MAX_ZIP_MEMBERS = 20_000


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Bundle:
    """One edition directory: manifest, published files (folder or zip), provenance."""

    edition_dir: Path
    manifest: Manifest
    container: Path  # the folder or the zip
    _zip_members: dict[str, zipfile.ZipInfo] | None = None
    _cache: dict[str, bytes] = field(default_factory=dict)
    _fingerprint: str | None = None
    _pin_verified: bool = False

    @property
    def edition(self) -> int:
        return self.manifest.edition

    @property
    def is_zip(self) -> bool:
        return self._zip_members is not None

    def describe(self, rel_path: str) -> str:
        """How a file is named in messages: edition dir / bundle / path."""
        return f"{self.edition_dir}/{self.manifest.bundle}{'.zip' if self.is_zip else ''}/{rel_path}"

    def read(self, rel_path: str) -> bytes:
        if rel_path not in self._cache:
            self._cache[rel_path] = self._read_zip(rel_path) if self.is_zip else self._read_folder(rel_path)
        return self._cache[rel_path]

    def _read_folder(self, rel_path: str) -> bytes:
        path = self.container / rel_path
        where = self.describe(rel_path)
        if not path.exists() and not path.is_symlink():
            raise BundleError(where, message="file listed in the manifest is missing from the bundle")
        _refuse_symlinks(self.container, path, where)
        if not path.resolve().is_relative_to(self.container.resolve()):
            raise BundleError(where, message="path resolves outside the bundle")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise BundleError(
                where, message=f"file is {size:,} bytes, above the {MAX_FILE_BYTES:,}-byte limit"
            )
        return path.read_bytes()

    def _read_zip(self, rel_path: str) -> bytes:
        assert self._zip_members is not None
        where = self.describe(rel_path)
        info = self._zip_members.get(rel_path)
        if info is None:
            raise BundleError(where, message="file listed in the manifest is missing from the zip")
        try:
            with zipfile.ZipFile(self.container) as archive, archive.open(info) as member:
                data = member.read(MAX_FILE_BYTES + 1)
        except (zipfile.BadZipFile, OSError, EOFError, zipfile.LargeZipFile) as exc:
            raise BundleError(where, message=f"cannot read zip member: {exc}") from exc
        if len(data) > MAX_FILE_BYTES:
            raise BundleError(where, message=f"zip member expands beyond the {MAX_FILE_BYTES:,}-byte limit")
        return data

    def content_sha256(self) -> str:
        """sha256 of the bundle as downloaded: the zip's bytes, or every file of the folder (path and
        content, in path order). What a manifest's `source.sha256` pins."""
        if self.is_zip:
            digest = hashlib.sha256()
            with self.container.open("rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    digest.update(chunk)
            return digest.hexdigest()
        digest = hashlib.sha256()
        for path in sorted(p for p in self.container.rglob("*") if p.is_file() and not p.is_symlink()):
            digest.update(path.relative_to(self.container).as_posix().encode())
            digest.update(hashlib.sha256(path.read_bytes()).hexdigest().encode())
        return digest.hexdigest()

    def verify_pin(self) -> None:
        """A bundle whose content no longer matches the manifest's pin is refused, showing both hashes."""
        pinned = self.manifest.source.sha256 if self.manifest.source else None
        if pinned is None or self._pin_verified:
            return
        actual = self.content_sha256()
        if actual != pinned:
            raise BundleError(
                self.edition_dir / "manifest.yml",
                message=f"the bundle {self.container.name} does not match its pin: source.sha256 is {pinned}, "
                f"the bundle's sha256 is {actual}. If the new content is intended, re-pin it: "
                f"ai-index pin {self.edition}",
            )
        self._pin_verified = True

    def csv_files(self) -> list[str]:
        """Every CSV file of the bundle, by its path inside it (listed in the manifest or not)."""
        if self.is_zip:
            return sorted(p for p in self._zip_members if p.lower().endswith(".csv"))  # type: ignore[union-attr]
        return sorted(
            p.relative_to(self.container).as_posix()
            for p in self.container.rglob("*")
            if p.suffix.lower() == ".csv" and p.is_file() and not p.is_symlink()
        )

    def file_sha256(self, rel_path: str) -> str:
        return sha256_bytes(self.read(rel_path))

    def provenance_bytes(self) -> bytes | None:
        if self.manifest.provenance is None:
            return None
        path = self.edition_dir / self.manifest.provenance
        if not path.is_file():
            raise BundleError(path, message="provenance file named in the manifest is missing")
        _refuse_symlinks(self.edition_dir, path, str(path))
        return path.read_bytes()

    def fingerprint(self) -> str:
        """sha256 over the manifest, the provenance and every listed file: the edition's data version.
        Computed once per opened bundle (the files are read once and kept)."""
        if self._fingerprint is None:
            self._fingerprint = self._compute_fingerprint()
        return self._fingerprint

    def _compute_fingerprint(self) -> str:
        digest = hashlib.sha256()
        digest.update((self.edition_dir / "manifest.yml").read_bytes())
        digest.update(self.provenance_bytes() or b"")
        for spec in sorted(self.manifest.files, key=lambda f: f.path):
            digest.update(spec.path.encode())
            digest.update(self.file_sha256(spec.path).encode())
        return digest.hexdigest()


def _refuse_symlinks(root: Path, path: Path, where: str) -> None:
    current = path
    while current != root and root in current.parents:
        if current.is_symlink():
            raise BundleError(where, message="symlinks are not accepted in a bundle")
        current = current.parent


def _safe_zip_members(zip_path: Path, root_name: str) -> dict[str, zipfile.ZipInfo]:
    try:
        archive = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BundleError(zip_path, message=f"not a readable zip archive: {exc}") from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ZIP_MEMBERS:
            raise BundleError(zip_path, message=f"{len(infos)} members, above the {MAX_ZIP_MEMBERS} limit")
        total = 0
        members: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            name = info.filename
            where = f"{zip_path}:{name}"
            pure = PurePosixPath(name.replace("\\", "/"))
            if name.startswith(("/", "\\")) or pure.is_absolute() or (len(name) > 1 and name[1] == ":"):
                raise BundleError(where, message="zip member has an absolute path")
            if ".." in pure.parts:
                raise BundleError(where, message="zip member path contains '..'")
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise BundleError(where, message="zip member is a symlink")
            if info.is_dir():
                continue
            total += info.file_size
            if info.file_size > MAX_FILE_BYTES or total > MAX_ZIP_TOTAL_BYTES:
                raise BundleError(where, message="zip expands beyond the size limit (possible zip bomb)")
            if info.compress_size and info.file_size / info.compress_size > MAX_ZIP_RATIO:
                raise BundleError(
                    where,
                    message=f"compression ratio {info.file_size // info.compress_size}:1 (possible zip bomb)",
                )
            # The official zip wraps everything in the bundle folder; accept it with or without.
            parts = pure.parts[1:] if pure.parts and pure.parts[0] == root_name else pure.parts
            members[str(PurePosixPath(*parts))] = info
        return members


# Bundles opened inside `reading_once()`, by resolved edition directory: one build plans, checks and loads
# an edition from one read of its files.
_session = threading.local()


@contextmanager
def reading_once() -> Iterator[None]:
    """Within this block (one build), `open_bundle` returns the bundle it opened before for the same
    directory, so each file is read and hashed once however many steps look at the edition."""
    outer = getattr(_session, "bundles", None)
    if outer is None:
        _session.bundles = {}
    try:
        yield
    finally:
        if outer is None:
            _session.bundles = None


def open_bundle(edition_dir: Path, verify_pin: bool = True) -> Bundle:
    """Open `<edition_dir>`: its manifest, and its published files as a folder or the official zip,
    refused if it no longer matches the manifest's pin (`source.sha256`)."""
    bundles = getattr(_session, "bundles", None)
    key = str(edition_dir.resolve())
    if bundles is not None and key in bundles:
        bundle = bundles[key]
    else:
        bundle = _open_bundle(edition_dir)
        if bundles is not None:
            bundles[key] = bundle
    if verify_pin:
        bundle.verify_pin()
    return bundle


def _open_bundle(edition_dir: Path) -> Bundle:
    manifest = read_manifest(edition_dir)
    folder = edition_dir / manifest.bundle
    zipped = edition_dir / f"{manifest.bundle}.zip"
    if folder.is_symlink() or zipped.is_symlink():
        raise BundleError(folder, message="symlinks are not accepted in a bundle")
    if folder.is_dir():
        return Bundle(edition_dir, manifest, folder)
    if zipped.is_file():
        return Bundle(edition_dir, manifest, zipped, _zip_members=_safe_zip_members(zipped, manifest.bundle))
    raise BundleError(
        edition_dir, message=f"neither folder {manifest.bundle!r} nor {manifest.bundle!r}.zip found"
    )


def discover_editions(releases_dir: Path) -> dict[int, Path]:
    """Edition directories under the releases dir: every sub-directory named by a year.

    A year directory without a manifest is still returned, so that opening it fails loudly instead of
    the edition silently disappearing from the build."""
    found: dict[int, Path] = {}
    if not releases_dir.is_dir():
        return found
    for child in sorted(releases_dir.iterdir()):
        if child.is_dir() and child.name.isdigit():
            found[int(child.name)] = child
    return found
