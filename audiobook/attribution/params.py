"""Every number attribution uses, in one place: cast-building thresholds and the ranker's fitted weights.

The thresholds are set by hand (each says why); the ranker's weights are fitted by
`bench/fit_attribution.py` and shipped as `weights.json` beside this module.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CastParams:
    """Thresholds of cast building (names, merges, personhood)."""

    min_lower: int = 2  # lower-case uses that make a capitalised word an ordinary one ("Poor", "Soon")
    rare_run: int = 2  # a capitalised run seen this often or less may be two things side by side
    split_ratio: float = 3.0  # ...when its last words alone are this many times commoner
    first_name_prior: float = 0.8  # a common given name's gender, against pronoun votes (one vote ~ 1.0)...
    first_name_weight: float = 0.3  # ...plus this share of all the pronoun votes, which are noisy
    first_name_share: float = 3.0  # the first-name form is the name unless another is this many times commoner


CAST = CastParams()
