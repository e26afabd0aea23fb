# ruff: noqa: RUF001 - IPA is written in IPA letters
"""The state's audio and IPA: a listening question's address only, every reveal's IPA."""

from __future__ import annotations

from dataclasses import dataclass, field

from protocol.messages import Settings, State, encode
from scorer.game import Quiz
from scorer.questions import Question
from scorer.views import state_view, words_view
from speech.names import address, audio_name

CODE = "ABCDEF"
KEY = bytes(32)
TYPED = Question(kind="typed", prompt="a large boat", pos="noun", choices=(), correct=-1,
                 word="ship", definition="a large boat")
HEARD = Question(kind="listen", prompt="Type the word you hear.", pos="noun",  # type: ignore[arg-type]
                 choices=(), correct=-1, word="sheep", definition="a farm animal")


@dataclass
class Said:
    """A pronouncer whose words are all said: keyed names, IPA from a table."""

    available: bool = True
    table: dict[str, str] = field(default_factory=lambda: {"ship": "ʃˈɪp", "sheep": "ʃˈiːp"})

    def address(self, word: str) -> str:
        return address(audio_name(KEY, "en-us", word)) if self.available else ""

    def ipa(self, word: str) -> str:
        return self.table.get(word, "")


def opened(*questions: Question) -> Quiz:
    quiz = Quiz(code=CODE, settings=Settings(questions=len(questions), seconds=20.0),
                questions=list(questions), host_key="ab" * 16, created_at=0.0)
    quiz.start(now=100.0)
    return quiz


def test_a_question_that_is_read_carries_no_audio_and_its_reveal_the_ipa() -> None:
    quiz = opened(TYPED)
    state = state_view(quiz, 100.5, speech=Said())
    assert state.question is not None and state.question.audio == ""
    quiz.next(at=0, now=101)
    state = state_view(quiz, 101, speech=Said())
    assert state.reveal is not None
    assert state.reveal.ipa == "ʃˈɪp"
    assert state.reveal.audio == Said().address("ship")


def test_a_listening_question_carries_an_address_that_does_not_tell_the_word() -> None:
    quiz = opened(HEARD)
    state = state_view(quiz, 100.5, speech=Said())
    assert state.question is not None
    assert state.question.audio == Said().address("sheep")
    wire = encode(state).decode()
    assert "sheep" not in wire.lower()
    assert state.reveal is None
    quiz.next(at=0, now=101)
    state = state_view(quiz, 101, speech=Said())
    assert state.reveal is not None and state.reveal.term == "sheep"
    assert state.reveal.ipa == "ʃˈiːp"


def test_without_speech_the_fields_are_empty() -> None:
    quiz = opened(TYPED)
    quiz.next(at=0, now=101)
    for speech in (None, Said(available=False, table={})):
        state = state_view(quiz, 101, speech=speech)
        assert state.reveal is not None and (state.reveal.ipa, state.reveal.audio) == ("", "")


def test_a_revision_7_state_decodes_with_empty_fields() -> None:
    quiz = opened(TYPED)
    quiz.next(at=0, now=101)
    state = state_view(quiz, 101)
    old = encode(state).replace(b',"ipa":""', b"").replace(b',"audio":""', b"")
    assert b"ipa" not in old and b"audio" not in old
    from protocol.messages import decode

    assert decode(State, old) == state


def test_the_words_carry_the_ipa() -> None:
    quiz = opened(TYPED)
    quiz.next(at=0, now=101)
    quiz.next(at=0, now=102)
    words = words_view(quiz, 102, Said()).words
    assert [(w.term, w.ipa) for w in words] == [("ship", "ʃˈɪp")]
