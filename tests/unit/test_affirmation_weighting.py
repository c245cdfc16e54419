"""The daily pick: weight 1/(times delivered + 1), checked with a chi-square test."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from backend.domain.affirmations import pick, weight
from backend.store.affirmations import AffirmationRecord

DRAWS = 20_000
# The chi-square distribution's 0.999 quantile for 9 degrees of freedom (10 affirmations):
# a right weighting exceeds it once in a thousand seeds; a fixed seed makes the test exact.
CRITICAL_9_DF_0_999 = 27.877


def affirmation(n: int, delivered: int) -> AffirmationRecord:
    return AffirmationRecord(
        affirmation_id=f"a{n}",
        recipient_id="ben",
        writer_id="ana",
        relationship_id="rel",
        text=f"kind word {n}",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        updated_at=None,
        delivered_count=delivered,
        last_delivered_at=None,
        hearts=0,
    )


CANDIDATES = [affirmation(n, delivered) for n, delivered in enumerate((0, 1, 2, 3, 4, 5, 7, 10, 20, 50))]


def chi_square(
    chooser: Callable[[Sequence[AffirmationRecord], random.Random], AffirmationRecord], seed: int = 20261206
) -> float:
    rng = random.Random(seed)
    counts = Counter(chooser(CANDIDATES, rng).affirmation_id for _ in range(DRAWS))
    total = sum(weight(a.delivered_count) for a in CANDIDATES)
    statistic = 0.0
    for candidate in CANDIDATES:
        expected = DRAWS * weight(candidate.delivered_count) / total
        statistic += (counts[candidate.affirmation_id] - expected) ** 2 / expected
    return statistic


def test_the_weight_is_one_over_times_delivered_plus_one() -> None:
    assert [weight(n) for n in (0, 1, 3, 9)] == [1.0, 0.5, 0.25, 0.1]


def test_picks_follow_the_weights_by_a_chi_square_test() -> None:
    assert chi_square(pick) < CRITICAL_9_DF_0_999


def test_the_chi_square_test_catches_a_uniform_pick() -> None:
    # The check can fail: picking uniformly (the weights ignored) is far outside.
    assert chi_square(lambda candidates, rng: rng.choice(list(candidates))) > 10 * CRITICAL_9_DF_0_999


def test_a_single_affirmation_is_always_picked() -> None:
    assert pick([CANDIDATES[5]], random.Random(1)) is CANDIDATES[5]
