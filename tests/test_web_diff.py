"""The word-by-word difference of two versions of a text (history pages): right, escaped, of bounded cost."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from migcap.web import assess_charts
from migcap.web.assess_charts import MAX_DIFF_EDITS, MAX_DIFF_TOKENS, word_diff

PIECES = ["a", "b", "c", "<x>", "&", " ", "  ", "\n", ".", "é"]
WORDS = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


def _side(markup: str, keep: str) -> str:
    drop = "ins" if keep == "del" else "del"
    text = re.sub(rf"<{drop}>.*?</{drop}>", "", markup, flags=re.S)
    return html.unescape(text.replace(f"<{keep}>", "").replace(f"</{keep}>", ""))


def _lcs(a: list[str], b: list[str]) -> int:
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


@given(WORDS, WORDS)
def test_the_diff_gives_back_both_versions_with_the_fewest_changes(old: str, new: str) -> None:
    markup = str(word_diff(old, new))
    assert _side(markup, "del") == old and _side(markup, "ins") == new
    a, b = assess_charts._TOKENS.findall(old), assess_charts._TOKENS.findall(new)
    changed = sum(len(assess_charts._TOKENS.findall(html.unescape(m)))
                  for m in re.findall(r"<(?:del|ins)>(.*?)</(?:del|ins)>", markup, flags=re.S))
    assert changed == len(a) + len(b) - 2 * _lcs(a, b)   # a shortest edit script


def test_a_small_change_in_long_texts_is_shown_word_by_word() -> None:
    old = "Census 2019 asks country of birth. " * 300      # 10,500 characters
    new = old.replace("of birth. ", "of birth and citizenship. ", 1)
    shown = str(word_diff(old, new))
    assert shown.startswith("Census 2019 asks country of birth<ins> and citizenship</ins>. Census")


def test_past_its_bounds_the_diff_shows_the_middle_removed_and_added_whole() -> None:
    n = MAX_DIFF_TOKENS // 2
    a, b = " ".join("x" * n), " ".join("y" * n)    # within the token bound, but every word differs
    assert str(word_diff(a, b)) == f"<del>{a}</del><ins>{b}</ins>"
    edits = MAX_DIFF_EDITS // 2
    within = " ".join("x" * n)
    changed = within.replace("x", "y", edits)      # `edits` words replaced: MAX_DIFF_EDITS edits
    assert str(word_diff(within, changed)) == "<del>x</del><ins>y</ins> " * edits + within[2 * edits:]
    more = within.replace("x", "y", edits + 1)     # one word more: past the bound, one plain change
    mid = 2 * (edits + 1) - 1                      # the first edits + 1 words and the spaces between them
    assert str(word_diff(within, more)) == f"<del>{within[:mid]}</del><ins>{more[:mid]}</ins>{within[mid:]}"


@pytest.mark.parametrize("extra", [0, 1])
def test_the_token_bound(extra: int) -> None:
    k = (MAX_DIFF_TOKENS - 4) // 2 + extra      # "a " + "w " × k + "b.": 2k + 4 tokens, MAX_DIFF_TOKENS (+ 2)
    old, new = "a " + "w " * k + "b.", "c " + "w " * k + "d!"
    assert len(assess_charts._TOKENS.findall(old)) == MAX_DIFF_TOKENS + 2 * extra
    if extra == 0:
        assert str(word_diff(old, new)) == f"<del>a</del><ins>c</ins> {'w ' * k}<del>b.</del><ins>d!</ins>"
    else:
        assert str(word_diff(old, new)) == f"<del>{old}</del><ins>{new}</ins>"


def test_the_edit_script_gives_up_past_its_bound() -> None:
    a, b = list("abcdefghij"), list("klmnopqrst")
    assert assess_charts._edits(a, b, 19) is None
    assert sorted(op for op, _ in assess_charts._edits(a, b, 20) or []) == ["+"] * 10 + ["-"] * 10
