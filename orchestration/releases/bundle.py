"""Read the published files of an edition: a folder, or the official zip in its place.

Nothing is extracted to disk: zip members are read in memory, after the checks that make a hostile
archive harmless (absolute paths, `..`, symlinks, oversized or bomb-like members). Raw files are only
ever opened for reading.
"""

from __future__ import annotations

import hashlib
import stat
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from orchestration.errors import BundleError
from orchestration.releases.boundary import EDITION_DIR, LIMITS, check_path, read_regular_file
from orchestration.releases.manifest import Manifest, read_manifest

# Compression methods Python's zipfile reads: stored, deflated, bzip2, lzma. Others (deflate64, ...)
# fail inside the read; they are refused by name instead.
READABLE_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)


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
        return read_regular_file(path, LIMITS.file_bytes, where)

    def _read_zip(self, rel_path: str) -> bytes:
        assert self._zip_members is not None
        where = self.describe(rel_path)
        info = self._zip_members.get(rel_path)
        if info is None:
            raise BundleError(where, message="file listed in the manifest is missing from the zip")
        try:
            with zipfile.ZipFile(self.container) as archive, archive.open(info) as member:
                data = member.read(LIMITS.file_bytes + 1)
        except (
            zipfile.BadZipFile,
            OSError,
            EOFError,
            zipfile.LargeZipFile,
            NotImplementedError,
            RuntimeError,
        ) as exc:
            raise BundleError(where, message=f"cannot read zip member: {exc}") from exc
        if len(data) > LIMITS.file_bytes:
            raise BundleError(
                where, message=f"zip member expands beyond the {LIMITS.file_bytes:,}-byte limit"
            )
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
        for path in sorted(self.container.rglob("*")):
            if path.is_symlink() or not path.is_file():  # is_file(): a FIFO or socket is not read
                continue
            digest.update(path.relative_to(self.container).as_posix().encode())
            data = read_regular_file(path, LIMITS.file_bytes, str(path))
            digest.update(hashlib.sha256(data).hexdigest().encode())
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
        if not path.exists() and not path.is_symlink():
            raise BundleError(path, message="provenance file named in the manifest is missing")
        _refuse_symlinks(self.edition_dir, path, str(path))
        return read_regular_file(path, LIMITS.provenance_bytes, str(path))

    def fingerprint(self) -> str:
        """sha256 over the manifest, the provenance and every listed file: the edition's data version.
        Computed once per opened bundle (the files are read once and kept)."""
        if self._fingerprint is None:
            self._fingerprint = self._compute_fingerprint()
        return self._fingerprint

    def _compute_fingerprint(self) -> str:
        digest = hashlib.sha256()
        manifest = self.edition_dir / "manifest.yml"
        digest.update(read_regular_file(manifest, LIMITS.manifest_bytes, str(manifest)))
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
        if len(infos) > LIMITS.zip_members:
            raise BundleError(zip_path, message=f"{len(infos)} members, above the {LIMITS.zip_members} limit")
        total = 0
        members: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            name = info.filename
            where = f"{zip_path}:{name.encode('unicode_escape').decode('ascii')}"
            check_path(name, where)
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
            if info.flag_bits & 0x1:
                raise BundleError(where, message="zip member is encrypted")
            if info.compress_type not in READABLE_METHODS:
                raise BundleError(
                    where,
                    message=f"zip member uses compression method {info.compress_type}, not one of stored, deflate, bzip2, lzma",
                )
            total += info.file_size
            if info.file_size > LIMITS.file_bytes or total > LIMITS.zip_total_bytes:
                raise BundleError(where, message="zip expands beyond the size limit (possible zip bomb)")
            if info.compress_size and info.file_size / info.compress_size > LIMITS.zip_ratio:
                raise BundleError(
                    where,
                    message=f"compression ratio {info.file_size // info.compress_size}:1 (possible zip bomb)",
                )
            # The official zip wraps everything in the bundle folder; accept it with or without. Two members
            # that land on one path (a duplicate name, a backslash spelling, one inside and one outside the
            # folder) are refused: `unzip` would show a reviewer one and the loader could read the other.
            parts = pure.parts[1:] if pure.parts and pure.parts[0] == root_name else pure.parts
            key = str(PurePosixPath(*parts))
            if key in members:
                raise BundleError(
                    where, message=f"two zip members map to {key!r}: {members[key].filename!r} and {name!r}"
                )
            members[key] = info
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
    if edition_dir.is_symlink():
        raise BundleError(edition_dir, message="an edition directory may not be a symlink")
    manifest = read_manifest(edition_dir)
    folder = edition_dir / manifest.bundle
    zipped = edition_dir / f"{manifest.bundle}.zip"
    if folder.is_symlink() or zipped.is_symlink():
        raise BundleError(folder, message="symlinks are not accepted in a bundle")
    if folder.is_dir():
        _check_folder_size(folder)
        return Bundle(edition_dir, manifest, folder)
    if zipped.is_file():
        return Bundle(edition_dir, manifest, zipped, _zip_members=_safe_zip_members(zipped, manifest.bundle))
    raise BundleError(
        edition_dir, message=f"neither folder {manifest.bundle!r} nor {manifest.bundle!r}.zip found"
    )


def _check_folder_size(folder: Path) -> None:
    total, count = 0, 0
    for path in folder.rglob("*"):
        info = path.lstat()
        count += 1
        total += info.st_size if stat.S_ISREG(info.st_mode) else 0
        if count > LIMITS.zip_members or total > LIMITS.bundle_bytes:
            raise BundleError(
                folder, message=f"the bundle holds more than {LIMITS.zip_members:,} files or "
                f"{LIMITS.bundle_bytes:,} bytes: not an edition's public data",
            )  # fmt: skip


def scan_releases(releases_dir: Path) -> tuple[dict[int, Path], list[tuple[str, str]]]:
    """Edition directories under the releases dir, and what else is there (name, why it is skipped).

    An edition directory is named by four ASCII digits and is not a symlink. Anything else is reported
    and skipped, never a crash: "٢٠٢٥" (Arabic-Indic digits) is not 2025, "2026²" is not 2026. A year
    directory without a manifest is still returned, so that opening it fails loudly instead of the
    edition silently disappearing from the build."""
    found: dict[int, Path] = {}
    skipped: list[tuple[str, str]] = []
    if not releases_dir.is_dir():
        return found, skipped
    for child in sorted(releases_dir.iterdir()):
        name = child.name.encode("unicode_escape").decode("ascii")
        if child.name.startswith(".") or child.name == "README.md":
            continue
        if not EDITION_DIR.match(child.name):
            skipped.append((name, "not an edition directory (four ASCII digits)"))
        elif child.is_symlink():
            skipped.append((name, "a symlink: edition directories must be real directories"))
        elif child.is_dir():
            found[int(child.name)] = child
        else:
            skipped.append((name, "not a directory"))
    return found, skipped


def discover_editions(releases_dir: Path) -> dict[int, Path]:
    """The edition directories under the releases dir (see `scan_releases` for what is skipped)."""
    return scan_releases(releases_dir)[0]
