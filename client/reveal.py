"""What a reveal names as the right answer: a pure function shared by the CLI and the screens.

The reveal on the wire carries the word (`RevealView.term`) and the right choice's index.
For most kinds the word is the answer; a reverse question asks for the word's meaning, so
its answer is the definition the right choice holds, which the open question carries
(`QuestionView.choices`). Every screen forms its reveal line from `revealed_answer`, so
`quiz play`, `quiz board`, `quiz host` and `quiz watch` say the same thing (the web board
has its twin, `answerText` in web/static/board.js).
"""

from __future__ import annotations

from protocol.messages import QuestionView, RevealView

# Between the word and its definition: the way a glossary sets them.
GLOSS = " — "


def said(reveal: RevealView) -> str:
    """How the revealed word is said, in IPA between slashes ("" when the scorer had none)."""
    return f"/{reveal.ipa}/" if reveal.ipa else ""


def revealed_answer(question: QuestionView, reveal: RevealView, *, ipa: bool = False) -> str:
    """The right answer as a reveal says it: the word; for `reverse`, the word and its meaning.

    With `ipa`, the word is followed by how it is said (contract rev. 8), where known. The
    text is other people's (a deck's): callers pass it through `printable` or show it as
    plain text.
    """
    term = f"{reveal.term} {said(reveal)}" if ipa and reveal.ipa else reveal.term
    if question.kind == "reverse" and 0 <= reveal.correct < len(question.choices):
        return f"{term}{GLOSS}{question.choices[reveal.correct]}"
    return term
