"""What happened to each theme in a run: born, grew, shrank, merged into, split from, retired.

A refit finds clusters afresh and gives each the id of the old theme whose centroid it
matches. Comparing each sentence's theme before and after tells the rest of the story:
an old theme whose sentences went (mostly) to another theme was merged into it; a new
theme whose sentences came (mostly) from a theme that still exists split from it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

# A theme's sentences "went to" (or "came from") another theme when more than this share did.
MOSTLY = 0.5

BORN = "born"
GREW = "grew"
SHRANK = "shrank"
STABLE = "stable"
MERGED_INTO = "merged_into"
SPLIT_FROM = "split_from"
RETIRED = "retired"


@dataclass(frozen=True)
class LineageEvent:
    theme_id: int
    event: str
    related_theme_id: int | None
    size_before: int
    size_after: int
    share: float | None  # of the sentences behind the event (moved or came from), 0-1

    def as_row(self) -> dict[str, Any]:
        """The event as a ``theme_lineage`` row (whose columns say topic, as the analyst
        contract's ``topics`` table does)."""
        row = asdict(self)
        row["topic_id"] = row.pop("theme_id")
        row["related_topic_id"] = row.pop("related_theme_id")
        return row


def refit_lineage(before: Sequence[int | None], after: Sequence[int | None],
                  old_sizes: Mapping[int, int], new_ids: Sequence[int]) -> list[LineageEvent]:
    """Events of a refit.

    Args:
        before: each sentence's theme before the refit (None: none, or the sentence is new).
        after: each sentence's theme after the refit (None: none), same order.
        old_sizes: sizes of the themes active before the refit.
        new_ids: the ids of the themes the refit produced.
    """
    if len(before) != len(after):
        raise ValueError("before and after must describe the same sentences")
    new_sizes = Counter(a for a in after if a is not None)
    moved: dict[int, Counter] = {}   # old id -> where its sentences went
    came: dict[int, Counter] = {}    # new id -> where its sentences came from
    for b, a in zip(before, after, strict=True):
        if b is not None:
            moved.setdefault(b, Counter())[a] += 1
        if a is not None:
            came.setdefault(a, Counter())[b] += 1
    new_set = set(new_ids)
    events = []
    for tid in sorted(new_set):
        size_after = new_sizes.get(tid, 0)
        if tid in old_sizes:
            size_before = old_sizes[tid]
            event = GREW if size_after > size_before else SHRANK if size_after < size_before \
                else STABLE
            events.append(LineageEvent(tid, event, None, size_before, size_after, None))
            continue
        origin = came.get(tid, Counter())
        themed = {k: v for k, v in origin.items() if k is not None}
        source, share = _mostly(themed, size_after)
        if source is not None and source in new_set:
            events.append(LineageEvent(tid, SPLIT_FROM, source, 0, size_after, share))
        else:
            events.append(LineageEvent(tid, BORN, None, 0, size_after, None))
    for tid in sorted(set(old_sizes) - new_set):
        went = moved.get(tid, Counter())
        total = sum(went.values())
        target, share = _mostly({k: v for k, v in went.items() if k is not None}, total)
        if target is not None:
            events.append(LineageEvent(tid, MERGED_INTO, target, old_sizes[tid],
                                       0, share))
        else:
            events.append(LineageEvent(tid, RETIRED, None, old_sizes[tid], 0, None))
    return events


def _mostly(counts: Mapping[int, int], total: int) -> tuple[int | None, float | None]:
    if not counts or total <= 0:
        return None, None
    best, n = max(counts.items(), key=lambda kv: (kv[1], -kv[0]))
    share = n / total
    return (best, round(share, 3)) if share > MOSTLY else (None, None)


def assignment_lineage(old_sizes: Mapping[int, int],
                       new_sizes: Mapping[int, int]) -> list[LineageEvent]:
    """Events of a night that put new sentences into existing themes: those that grew."""
    return [LineageEvent(tid, GREW, None, old_sizes.get(tid, 0), size, None)
            for tid, size in sorted(new_sizes.items()) if size > old_sizes.get(tid, 0)]
