"""Incremental ranking agrees with a full sort, whatever the order of changes."""

from hypothesis import given
from hypothesis import strategies as st

from scorer.ranking import Ranking

changes = st.lists(st.tuples(st.sampled_from("abcdefgh"), st.integers(0, 5000)), max_size=60)


@given(changes)
def test_incremental_ranking_equals_a_full_sort(steps: list[tuple[str, int]]) -> None:
    ranking = Ranking()
    latest: dict[str, tuple[int, int]] = {}
    for stamp, (player, score) in enumerate(steps):
        ranking.set(player, score, stamp)
        latest[player] = (score, stamp)
    expected = sorted(latest, key=lambda p: (-latest[p][0], latest[p][1], p))
    assert [pid for _, pid, _ in ranking.all()] == expected
    for position, player in enumerate(expected, start=1):
        assert ranking.rank(player) == position


def test_ties_go_to_who_reached_the_score_first() -> None:
    ranking = Ranking()
    ranking.set("late", 1000, reached=7)
    ranking.set("early", 1000, reached=3)
    ranking.set("top", 1500, reached=9)
    assert ranking.top(3) == [(1, "top", 1500), (2, "early", 1000), (3, "late", 1000)]


def test_removed_players_leave_the_ranking() -> None:
    ranking = Ranking()
    ranking.set("a", 10, 1)
    ranking.set("b", 20, 2)
    ranking.remove("b")
    assert "b" not in ranking
    assert ranking.all() == [(1, "a", 10)]
