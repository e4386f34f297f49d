"""The fault corpus: recipes that corrupt a copy of a real edition (2025), one way each.

Each case returns the strings the build's message must contain (the file, and the row and column where
there is one). Cases run against a copy of a built warehouse: the build must exit non-zero, name the
problem, leave the raw files of the edition as they were, and leave every mart's rows unchanged.
"""

from __future__ import annotations

import os
import shutil
import stat
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

from tests.helpers import BY_COUNTRY, BY_REGION, SELECT_AREAS, Workspace, replace_in_file

EDITION = 2025
BUNDLE = f"PUBLIC DATA_ {EDITION} AI INDEX REPORT"
VALUE_COLUMN = "'Total investment (in billions of U.S. dollars)'"

CASES: dict[str, Callable[[Workspace], list[str]]] = {}


def case(function: Callable[[Workspace], list[str]]) -> Callable[[Workspace], list[str]]:
    CASES[function.__name__] = function
    return function


def _file(ws: Workspace, relative: str = BY_COUNTRY) -> Path:
    return ws.edition_file(EDITION, relative)


def _manifest(ws: Workspace) -> Path:
    return ws.releases / str(EDITION) / "manifest.yml"


def _zip_bundle(ws: Workspace, extra: Callable[[zipfile.ZipFile], None] | None = None) -> Path:
    """Replace the 2025 folder by the official zip (folder inside), optionally with a hostile extra member."""
    folder = ws.releases / str(EDITION) / BUNDLE
    target = folder.with_name(f"{BUNDLE}.zip")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*.csv")):
            archive.write(path, path.relative_to(folder.parent))
        if extra:
            extra(archive)
    shutil.rmtree(folder)
    return target


# --- archives ------------------------------------------------------------------------------------------
@case
def truncated_zip(ws):
    target = _zip_bundle(ws)
    target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    return [f"{BUNDLE}.zip", "not a readable zip archive"]


@case
def zip_member_with_absolute_path(ws):
    _zip_bundle(ws, lambda z: z.writestr("/etc/cron.d/evil.csv", "x"))
    return ["/etc/cron.d/evil.csv", "absolute path"]


@case
def zip_member_with_dotdot(ws):
    _zip_bundle(ws, lambda z: z.writestr(f"{BUNDLE}/../../evil.csv", "x"))
    return ["evil.csv", "'..'"]


@case
def zip_member_symlink(ws):
    def add_link(archive: zipfile.ZipFile) -> None:
        info = zipfile.ZipInfo(f"{BUNDLE}/4. Economy/Data/link.csv")
        info.external_attr = 0o120777 << 16  # a symlink, as `zip --symlinks` stores it
        archive.writestr(info, "/etc/passwd")

    _zip_bundle(ws, add_link)
    return ["link.csv", "symlink"]


@case
def zip_bomb(ws):
    _zip_bundle(ws, lambda z: z.writestr(f"{BUNDLE}/4. Economy/Data/bomb.csv", b"0" * (40 * 1024 * 1024)))
    return ["bomb.csv", "zip bomb"]


# --- encodings and empty files -------------------------------------------------------------------------
@case
def wrong_encoding_latin1(ws):
    path = _file(ws)
    path.write_bytes(path.read_bytes().replace(b"Austria", "Österreich".encode("latin-1")))
    return [BY_COUNTRY, "not valid utf-8", "row 9"]


@case
def utf8_bom_under_a_latin1_manifest(ws):
    path = _file(ws)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    replace_in_file(
        _manifest(ws),
        '  - path: "4. Economy/Data/fig_4.3.8.csv"',
        '  - path: "4. Economy/Data/fig_4.3.8.csv"\n    encoding: latin-1',
    )
    return [BY_COUNTRY, "row 0 (header)", "'Geographic area'", "missing"]


@case
def utf16_file(ws):
    path = _file(ws)
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
    return [BY_COUNTRY, "UTF-16"]


@case
def empty_file(ws):
    _file(ws).write_bytes(b"")
    return [BY_COUNTRY, "file is empty"]


@case
def header_only(ws):
    path = _file(ws)
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    return [BY_COUNTRY, "header only"]


@case
def malformed_csv_quote(ws):
    replace_in_file(_file(ws), "Sweden,4.3", 'Sweden,"4.3')
    return [BY_COUNTRY, "malformed CSV"]


@case
def ragged_row(ws):
    replace_in_file(_file(ws), "Sweden,4.3", "Sweden,4.3,extra")
    return [BY_COUNTRY, "row 4", "3 fields where the header has 2"]


@case
def fifty_megabyte_file(ws):
    with _file(ws).open("a", encoding="utf-8") as f:
        f.write("Padding,1.0\n" * (50 * 1024 * 1024 // 12))
    return [BY_COUNTRY, "above the", "byte limit"]


# --- columns -------------------------------------------------------------------------------------------
@case
def missing_column(ws):
    path = _file(ws)
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text(
        "\n".join(
            ["Geographic area"]
            + [
                line.split(",")[0] if not line.startswith('"') else line.rsplit(",", 1)[0]
                for line in lines[1:]
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    return [BY_COUNTRY, "row 0 (header)", VALUE_COLUMN, "missing"]


@case
def extra_column(ws):
    path = _file(ws)
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text(
        "\n".join([lines[0] + ",Rank"] + [f"{line},{n}" for n, line in enumerate(lines[1:], 1)]) + "\n",
        encoding="utf-8",
    )
    return [BY_COUNTRY, "row 0 (header)", "'Rank'", "undeclared"]


@case
def renamed_column_not_in_manifest(ws):
    replace_in_file(_file(ws), "Geographic area,", "Country,")
    return [BY_COUNTRY, "'Country'", "undeclared", "'Geographic area'", "missing"]


# --- cells ---------------------------------------------------------------------------------------------
@case
def non_numeric_value(ws):
    replace_in_file(_file(ws), "Sweden,4.3", "Sweden,four")
    return [BY_COUNTRY, "row 4", VALUE_COLUMN, "value 'four'"]


@case
def nan_value(ws):
    replace_in_file(_file(ws), "Sweden,4.3", "Sweden,NaN")
    return [BY_COUNTRY, "row 4", VALUE_COLUMN, "value 'NaN'"]


@case
def infinite_value(ws):
    replace_in_file(_file(ws), "Sweden,4.3", "Sweden,inf")
    return [BY_COUNTRY, "row 4", VALUE_COLUMN, "value 'inf'"]


@case
def thousands_separator_not_declared(ws):
    replace_in_file(_file(ws), "United States,109.08", 'United States,"1,109.08"')
    return [BY_COUNTRY, "row 1", VALUE_COLUMN, "value '1,109.08'"]


@case
def percent_sign_where_a_number_is_expected(ws):
    replace_in_file(_file(ws), "Sweden,4.3", "Sweden,4.3%")
    return [BY_COUNTRY, "row 4", VALUE_COLUMN, "value '4.3%'"]


@case
def negative_investment(ws):
    replace_in_file(_file(ws), "Sweden,4.3", "Sweden,-4.3")
    return [BY_COUNTRY, "row 4", "value_in_physical_range", "value '-4.3'"]


@case
def values_in_millions_not_billions(ws):
    replace_in_file(_file(ws), "China,9.29", "China,9290")
    return [BY_COUNTRY, "row 2", "value '9290'"]


@case
def duplicate_key(ws):
    with _file(ws).open("a", encoding="utf-8") as f:
        f.write("Sweden,4.3\n")
    provenance = ws.releases / str(EDITION) / "PROVENANCE.csv"
    with provenance.open("a", encoding="utf-8") as f:
        f.write(f"{BY_COUNTRY},13,private_investment_usd_bn,B,test,,\n")
    return [BY_COUNTRY, "unique_metric_year_place", "row 4", "row 13"]


@case
def unknown_place(ws):
    replace_in_file(_file(ws), "Sweden,4.3", "Freedonia,4.3")
    return [BY_COUNTRY, "row 4", "'Geographic area'", "place 'Freedonia'"]


@case
def aggregate_labelled_as_country(ws):
    replace_in_file(_file(ws), "Sweden,4.3", "Sub-Saharan Africa,4.3")
    return [BY_COUNTRY, "row 4", "aggregates_not_labelled_as_countries", "place 'Sub-Saharan Africa'"]


@case
def blank_place(ws):
    replace_in_file(_file(ws), "Sweden,4.3", ",4.3")
    return [BY_COUNTRY, "row 4", "keys_not_null", "place (blank)"]


@case
def year_outside_the_window(ws):
    replace_in_file(_file(ws, BY_REGION), "2024,Europe", "2031,Europe")
    return [BY_REGION, "row 1", "'Year'", "year '2031'"]


@case
def year_not_a_year(ws):
    replace_in_file(_file(ws, BY_REGION), "2024,Europe", "FY24,Europe")
    return [BY_REGION, "row 1", "'Year'", "year 'FY24'"]


@case
def shares_above_100(ws):
    replace_in_file(_file(ws, SELECT_AREAS), "China,69.70%", "China,89.70%")
    return [SELECT_AREAS, "shares_sum_at_most_100", "value '89.70%'"]


@case
def value_without_provenance(ws):
    replace_in_file(ws.releases / str(EDITION) / "PROVENANCE.csv", f"{BY_COUNTRY},4,", f"{BY_COUNTRY},99,")
    return [BY_COUNTRY, "row 4", "value_has_provenance"]


@case
def file_listed_but_missing(ws):
    _file(ws).unlink()
    return [BY_COUNTRY, "missing from the bundle"]


@case
def symlink_in_folder_bundle(ws):
    path = _file(ws)
    path.unlink()
    os.symlink("/etc/passwd", path)
    return [BY_COUNTRY, "symlinks are not accepted"]


# --- manifests -----------------------------------------------------------------------------------------
@case
def manifest_missing(ws):
    _manifest(ws).unlink()
    return ["2025/manifest.yml", "manifest missing"]


@case
def manifest_invalid_yaml(ws):
    _manifest(ws).write_text("edition: 2025\nfiles: [unclosed\n", encoding="utf-8")
    return ["2025/manifest.yml", "not valid YAML"]


@case
def manifest_unknown_metric(ws):
    replace_in_file(
        _manifest(ws),
        'metric: private_investment_usd_bn, column: "Total investment (in billions of U.S. dollars)"',
        'metric: private_investment_eur_bn, column: "Total investment (in billions of U.S. dollars)"',
    )
    return ["2025/manifest.yml", "unknown metric 'private_investment_eur_bn'"]


@case
def manifest_wrong_edition(ws):
    replace_in_file(_manifest(ws), "edition: 2025", "edition: 2024")
    return ["2025/manifest.yml", "does not match its directory name"]


@case
def manifest_points_outside_the_bundle(ws):
    replace_in_file(_manifest(ws), f'path: "{BY_COUNTRY}"', 'path: "../../../../etc/passwd.csv"')
    return ["2025/manifest.yml", "without '..'"]


@case
def manifest_unit_mismatch(ws):
    replace_in_file(_manifest(ws), "unit: per_100k}", "unit: per_10k}")
    return ["2025/manifest.yml", "does not match metric 'granted_ai_patents_per_100k'"]


# --- hostile inputs (issue 13): refused at the boundary, the file named, nothing blocked -----------------
def _patch_zip(target: Path, member: str, local_at: int, central_at: int, value: int) -> None:
    """Rewrite a two-byte field of a member's local and central headers (zipfile cannot write deflate64
    or an encrypted member: it recomputes these fields)."""
    data = bytearray(target.read_bytes())
    name = member.encode()
    for signature, field_at, name_at in ((b"PK\x03\x04", local_at, 30), (b"PK\x01\x02", central_at, 46)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            if data[start + name_at : start + name_at + len(name)] == name:
                data[start + field_at : start + field_at + 2] = value.to_bytes(2, "little")
            start += 4
    target.write_bytes(bytes(data))


@case
def zip_member_encrypted(ws):
    target = _zip_bundle(ws)
    _patch_zip(target, f"{BUNDLE}/{BY_COUNTRY}", 6, 8, 0x1)  # the "encrypted" general-purpose flag
    return ["fig_4.3.8.csv", "encrypted"]


@case
def zip_member_unsupported_compression(ws):
    target = _zip_bundle(ws)
    _patch_zip(target, f"{BUNDLE}/{BY_COUNTRY}", 8, 10, 9)  # deflate64
    return ["fig_4.3.8.csv", "compression method 9"]


@case
def zip_two_members_one_path(ws):
    def add(archive: zipfile.ZipFile) -> None:
        archive.writestr(
            BY_COUNTRY, "Geographic area,Total investment (in billions of U.S. dollars)\nChina,99\n"
        )

    _zip_bundle(ws, add)  # one member inside the bundle folder, one outside it: the same path
    return ["two zip members map to", "fig_4.3.8.csv"]


@case
def zip_member_backslash_spelling(ws):
    def add(archive: zipfile.ZipFile) -> None:
        archive.writestr(f"{BUNDLE}\\4. Economy\\Data\\fig_4.3.8.csv", "x\n")

    _zip_bundle(ws, add)
    return ["two zip members map to", "fig_4.3.8.csv"]


@case
def zip_member_with_nul_suffix(ws):
    def add(archive: zipfile.ZipFile) -> None:
        with warnings.catch_warnings():  # zipfile warns of the very duplicate this case makes
            warnings.simplefilter("ignore", UserWarning)
            archive.writestr(f"{BUNDLE}/{BY_COUNTRY}\x00.txt", "x\n")  # read as the name up to the NUL

    _zip_bundle(ws, add)
    return ["two zip members map to", "fig_4.3.8.csv"]


@case
def path_component_of_300_characters(ws):
    long = "x" * 300 + ".csv"
    replace_in_file(_manifest(ws), f'path: "{BY_COUNTRY}"', f'path: "4. Economy/Data/{long}"')
    return ["2025/manifest.yml", "above the 255 limit"]


@case
def directory_named_like_a_csv(ws):
    path = _file(ws)
    path.unlink()
    path.mkdir()
    return [BY_COUNTRY, "not a regular file (a directory)"]


@case
def fifo_in_place_of_a_csv(ws):
    path = _file(ws)
    path.unlink()
    os.mkfifo(path)  # opened without O_NONBLOCK, reading it would wait forever for a writer
    return [BY_COUNTRY, "not a regular file (a FIFO)"]


@case
def socket_in_place_of_a_csv(ws):
    path = _file(ws)
    path.unlink()
    os.mknod(path, stat.S_IFSOCK | 0o600)
    return [BY_COUNTRY, "not a regular file (a socket)"]


@case
def manifest_nested_twenty_thousand_deep(ws):
    _manifest(ws).write_text("edition: " + "[" * 20_000 + "]" * 20_000 + "\n", encoding="utf-8")
    return ["2025/manifest.yml", "nested too deeply"]


@case
def manifest_too_large(ws):
    with _manifest(ws).open("a", encoding="utf-8") as f:
        f.write("# padding\n" * 120_000)
    return ["2025/manifest.yml", "above the 1,048,576-byte limit"]


@case
def manifest_symlinked_outside_the_edition(ws):
    outside = ws.root / "elsewhere.yml"
    shutil.copy(_manifest(ws), outside)
    _manifest(ws).unlink()
    os.symlink(outside, _manifest(ws))
    return ["2025/manifest.yml", "a symlink"]


@case
def edition_directory_is_a_symlink(ws):
    real = ws.root / "elsewhere-2025"
    shutil.move(ws.releases / str(EDITION), real)
    os.symlink(real, ws.releases / str(EDITION))
    return ["2025", "may not be a symlink"]


@case
def control_characters_in_a_manifest_path(ws):
    replace_in_file(
        _manifest(ws), f'path: "{BY_COUNTRY}"', 'path: "4. Economy/Data/\\e[2K\\e[1Afig_4.3.8.csv"'
    )
    return ["2025/manifest.yml", "control characters", "\\x1b[2K"]


@case
def nul_in_provenance_text(ws):
    provenance = ws.releases / str(EDITION) / "PROVENANCE.csv"
    replace_in_file(
        provenance,
        f"{BY_COUNTRY},4,private_investment_usd_bn,B,",
        f"{BY_COUNTRY},4,private_investment_usd_bn,B,evil\x00",
    )
    return ["PROVENANCE.csv", "column 'source'", "control characters", "\\x00"]


@case
def escape_sequence_in_a_place_name(ws):
    replace_in_file(_file(ws), "Sweden,4.3", "\x1b[8mSweden,4.3")
    return [BY_COUNTRY, "row 4", "'Geographic area'", "control characters", "\\x1b[8m"]


@case
def huge_exponent_with_a_scale(ws):
    replace_in_file(_manifest(ws), 'column: "Total investment (in billions of U.S. dollars)", unit: usd_bn}',
                    'column: "Total investment (in billions of U.S. dollars)", unit: usd_bn, scale: 1000}', count=1)  # fmt: skip
    replace_in_file(_file(ws), "Sweden,4.3", "Sweden,1e999999")
    return [BY_COUNTRY, "row 4", "value '1e999999'"]
