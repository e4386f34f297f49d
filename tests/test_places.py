"""Place names: the one normalisation, the shared aliases, ISO country names and an edition's own."""

from __future__ import annotations

import pytest

from orchestration.reference.geography import gazetteer, normalise_label
from orchestration.releases.manifest import Alias


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("Korea, Republic of", "KOR"), ("Republic of Korea", "KOR"), ("Korea, Rep", "KOR"), ("Türkiye", "TUR"),
        ("Czechia", "CZE"), ("Viet Nam", "VNM"), ("Hong Kong SAR", "HKG"), ("Côte d’Ivoire", "CIV"),
        ("Côte d'Ivoire", "CIV"), ("Iran, Islamic Republic of", "IRN"), ("  united\u00a0states ", "USA"),
    ],
)  # fmt: skip
def test_common_variants_resolve_to_their_country(label, code):
    assert gazetteer().resolve("countries", label).geo_code == code


def test_an_unknown_name_stays_unknown_and_an_editions_alias_resolves_it():
    assert gazetteer().resolve("countries", "Republic of Korea (the)") is None
    own = gazetteer().with_aliases([Alias(label="Republic of Korea (the)", geo_code="KOR")])
    assert own.resolve("countries", "republic of  korea (THE)").geo_code == "KOR"
    assert gazetteer().resolve("countries", "Republic of Korea (the)") is None  # the seeds are unchanged


def test_normalisation_folds_quotes_spaces_and_case():
    assert normalise_label("Côte d’Ivoire") == normalise_label("CÔTE D'IVOIRE") == "côte d'ivoire"
    assert normalise_label("South\u2003Korea\t") == "south korea"
