"""Enum members as plain module constants, for the engine's hot paths.

On Python 3.11 reading `Verdict.HEAVY` goes through a descriptor on the enum class (about
0.2 microseconds); the engine reads such members many times per plan and scores thousands of
plans a second (bench/scoring.py), so it reads these constants instead. They are the very same
members: `V_HEAVY is Verdict.HEAVY`.
"""

from __future__ import annotations

from typing import Final

from quizapp.domain.face import Family
from quizapp.domain.terms import Band, Severity, Verdict

B_CONSERVATIVE: Final = Band.CONSERVATIVE
B_NATURAL: Final = Band.NATURAL
B_OVERDONE: Final = Band.OVERDONE
B_OVERFILLED: Final = Band.OVERFILLED
B_UNDER_TREATED: Final = Band.UNDER_TREATED
B_UNSAFE: Final = Band.UNSAFE
ENZYME: Final = Family.ENZYME
FILLER: Final = Family.FILLER
S_INFO: Final = Severity.INFO
S_OVERDONE: Final = Severity.OVERDONE
S_OVERFILLED: Final = Severity.OVERFILLED
S_UNSAFE: Final = Severity.UNSAFE
S_WARNING: Final = Severity.WARNING
TOXIN: Final = Family.TOXIN
V_CONSERVATIVE: Final = Verdict.CONSERVATIVE
V_HEAVY: Final = Verdict.HEAVY
V_MISSED: Final = Verdict.MISSED
V_NOT_INDICATED: Final = Verdict.NOT_INDICATED
V_ON_TARGET: Final = Verdict.ON_TARGET
V_OVERFILLED: Final = Verdict.OVERFILLED
V_UNDER: Final = Verdict.UNDER
V_UNSAFE: Final = Verdict.UNSAFE
V_WRONG_PRODUCT: Final = Verdict.WRONG_PRODUCT
