"""Which products a red flag concerns, pinned on both sides (issue 23): the family decides first,
then a product list, where the flag has one, narrows it."""

from __future__ import annotations

import pytest

from quizapp.domain.face import Family
from quizapp.domain.redflags import RED_FLAGS


@pytest.mark.parametrize(
    ("flag", "family", "product", "concerned"),
    [
        # Over 65 (B6 B27 B28 B41): the toxins whose labels stop at 65, and only those.
        ("over_65_label", Family.TOXIN, "abo", True),
        ("over_65_label", Family.TOXIN, "inco", True),
        ("over_65_label", Family.TOXIN, "rela", True),
        ("over_65_label", Family.TOXIN, "ona", False),
        ("over_65_label", Family.TOXIN, "daxi", False),
        # A product in the list but of another family is not concerned: the family comes first.
        ("over_65_label", Family.FILLER, "abo", False),
        # No product list: every product of the flag's families.
        ("pregnancy", Family.TOXIN, "ona", True),
        ("pregnancy", Family.FILLER, "ha_soft", True),
        ("pregnancy", Family.ENZYME, "hyaluronidase", False),
        ("neuromuscular_disease", Family.TOXIN, "daxi", True),
        ("neuromuscular_disease", Family.FILLER, "ha_soft", False),  # toxin only (B43)
        ("permanent_filler_in_area", Family.FILLER, "caha", True),
        ("permanent_filler_in_area", Family.TOXIN, "ona", False),
    ],
)
def test_concerns(flag, family, product, concerned):
    assert RED_FLAGS[flag].concerns(family, product) is concerned
