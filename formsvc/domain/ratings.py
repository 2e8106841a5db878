"""How a citizen rates a reply: the values of the API, the labels citizens read, and which count
as satisfied in the statistics."""

from __future__ import annotations

# Rating values: API code → what citizens read, in the order the form offers them.
RATINGS: dict[str, str] = {"satisfied": "满意", "basically_satisfied": "基本满意",
                           "unsatisfied": "不满意"}
# Counted as 满意 in the statistics' satisfaction rate.
SATISFIED = ("satisfied", "basically_satisfied")
