"""What the scorer shows, and how often: retained views built from a quiz, coalesced and paced.

Each view costs the broker one delivery per subscriber, so its rate follows who reads it
(docs/protocol.md, "Fan-out"), and each costs the scorer a publish, so all quizzes together
stay within a budget (issue 24: with a thousand small quizzes, views cost more than answers):
- the live leaderboard is for displays and hosts, a handful per quiz, and carries the live
  counts: at most every `leaderboard_interval` per quiz, and at most LEADERBOARD_BUDGET a
  second in all, the quizzes that changed longest ago first; the counts on their own topic,
  for clients that follow it, every COUNTS_INTERVAL;
- the players' board is for every player: published at once when the phase changes, and
  otherwise at most once per interval, an interval that grows with the players online so
  that all quizzes together stay within PLAYER_BOARD_BUDGET deliveries a second; during
  an open question players look at the question, so it waits for the reveal;
- the full standings, in pages of STANDINGS_PAGE players, are for displays that show
  everyone: each page when the phase changes and, while a question is open in a quiz with
  more players than the leaderboard shows, at most once per STANDINGS_SECONDS; only when
  its rows changed, so a quiz of 10,000 costs at most 100 publishes a second whatever the
  answer rate, and a quiz the leaderboard holds whole costs one page per question;
- the state is published when the phase changes, a few times a question.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from protocol import topics
from protocol.channels import channel
from protocol.messages import (
    LISTENING_KINDS,
    Counts,
    LastResult,
    Leaderboard,
    PlayerStatus,
    QuestionView,
    RevealView,
    Standing,
    StandingsPage,
    State,
    Word,
    Words,
    encode,
)
from scorer.game import Quiz
from scorer.metrics import Metrics
from speech.names import Pronouncer

# The counts on their own topic: displays read the live counts on the leaderboard (contract
# rev. 11); this refresh is for clients that follow only the counts.
COUNTS_INTERVAL_SECONDS = 2.0
# Live leaderboards per second, all quizzes together: at about 20 us of the scorer per
# publish, a tenth of its core, however many quizzes change. Beyond it a quiz's board waits
# for its turn (oldest change first): 1,000 quizzes changing at once get one each 0.25 s.
LEADERBOARD_BUDGET = 4000.0
# Deliveries of players' boards per second, all quizzes together: at about 20 us of a
# single-threaded broker per delivery (Mosquitto at 10,000 subscribers), 5,000 a second
# is a tenth of its core, whatever the answer rate.
PLAYER_BOARD_BUDGET = 5000.0
# ...and a quiz's players' board changes at most once a second even when there is room.
PLAYER_BOARD_MIN_SECONDS = 1.0
# Players per page of the full standings: about 5 KB a page, well under any packet limit.
STANDINGS_PAGE = 100
# A quiz's standings pages are refreshed at most this often.
STANDINGS_SECONDS = 1.0
# "Last published" of a view never published yet: due at once.
NEVER = float("-inf")
# QoS as the contract says (protocol/channels.py): state changes at QoS 1 (a phase change
# must reach every screen); the rest at QoS 0: they are retained, republished whole, and
# each PUBACK cost the scorer more than the publish.
STATE_QOS = channel(topics.state).qos
VIEW_QOS = channel(topics.leaderboard).qos
WORDS_QOS = channel(topics.words).qos


@dataclass(frozen=True, slots=True)
class View:
    """One retained publish."""

    topic: str
    payload: bytes
    qos: int = VIEW_QOS


class Views:
    """Which views are due, for the quizzes of one scorer."""

    def __init__(self, quizzes: dict[str, Quiz], metrics: Metrics, top_n: int,
                 leaderboard_interval: float, scorer: str = "",
                 speech: Pronouncer | None = None) -> None:
        self.quizzes = quizzes
        self.scorer = scorer
        self.speech = speech
        self.metrics = metrics
        self.top_n = top_n
        self.leaderboard_interval = leaderboard_interval
        # insertion-ordered: the quiz that changed longest ago is published first
        self._leaderboards: dict[str, None] = {}
        self._last_due: float | None = None
        self._interval, self._interval_until = PLAYER_BOARD_MIN_SECONDS, NEVER
        self._counts: set[str] = set()
        self._boards: set[str] = set()
        self._board_at: dict[str, float] = {}
        self._counts_due = 0.0
        self._standings: set[str] = set()
        self._standings_at: dict[str, float] = {}
        # The rows of each page as last published, to publish a page only when it changed.
        self._pages: dict[str, list[tuple[list[Standing], int, int]]] = {}

    def changed(self, codes: set[str]) -> None:
        """Standings or counts of these quizzes moved."""
        for code in codes:
            self.metrics.quiz_changed(code)
        self._leaderboards.update(dict.fromkeys(codes))
        self._counts |= codes
        self._boards |= codes
        self._standings |= codes

    def everything(self) -> None:
        """After a (re)connect: every view of every quiz is due again."""
        self.changed(set(self.quizzes))

    def forget(self, codes: list[str]) -> None:
        """Evicted quizzes have no views any more."""
        for code in codes:
            self._leaderboards.pop(code, None)
            for due in (self._counts, self._boards, self._standings):
                due.discard(code)
            self._board_at.pop(code, None)
            self._standings_at.pop(code, None)
            self._pages.pop(code, None)

    def pending(self) -> bool:
        """True while some view waits for its turn."""
        return bool(self._leaderboards or self._counts or self._boards or self._standings)

    # --- at once ---------------------------------------------------------------------------

    def state(self, code: str, now: float) -> list[View]:
        """A new phase (or a new quiz): its state, counts and, between questions, its board."""
        quiz = self.quizzes[code]
        self._standings.add(code)  # the pages follow a phase change at the next flush
        self._standings_at.pop(code, None)
        views = [View(topics.state(code),
                      encode(state_view(quiz, now, self.scorer, self.speech)), STATE_QOS),
                 self._counts_view(quiz, now)]
        self._counts.discard(code)
        if quiz.phase != "question":
            views.append(self._board_view(quiz, now))
        if quiz.phase == "finished":
            views.append(View(topics.words(code), encode(words_view(quiz, now, self.speech)),
                              WORDS_QOS))
        return views

    def player(self, code: str, player_id: str) -> View:
        """One player's retained status."""
        quiz = self.quizzes[code]
        return View(topics.player(code, player_id), encode(player_view(quiz, player_id)))

    # --- when due ----------------------------------------------------------------------------

    def due(self, now: float) -> Iterator[View]:
        """The views whose time has come; call it every `leaderboard_interval`.

        Leaderboards first, within LEADERBOARD_BUDGET for the time since the last call; then
        counts, players' boards and standings pages.
        """
        since = self.leaderboard_interval if self._last_due is None else now - self._last_due
        self._last_due = now
        allowed = max(1, int(LEADERBOARD_BUDGET * min(max(since, self.leaderboard_interval),
                                                      1.0)))
        while self._leaderboards and allowed > 0:
            code = next(iter(self._leaderboards))
            del self._leaderboards[code]
            quiz = self.quizzes.get(code)
            if quiz is not None:
                allowed -= 1
                yield View(topics.leaderboard(code), encode(self._leaderboard(quiz, now)))
                self.metrics.leaderboard_published(code)
        if now >= self._counts_due:
            self._counts_due = now + COUNTS_INTERVAL_SECONDS
            counts, self._counts = self._counts, set()
            for code in counts:
                quiz = self.quizzes.get(code)
                if quiz is not None and quiz.phase in ("lobby", "question", "open"):
                    yield self._counts_view(quiz, now)
        interval = self._board_interval_at(now) if self._boards else PLAYER_BOARD_MIN_SECONDS
        for code in list(self._boards):
            quiz = self.quizzes.get(code)
            if quiz is None:
                self._boards.discard(code)
            elif quiz.phase != "question" and now >= self._board_at.get(code, NEVER) + interval:
                yield self._board_view(quiz, now)
        for code in list(self._standings):
            quiz = self.quizzes.get(code)
            if quiz is None:
                self._standings.discard(code)
            elif quiz.phase == "question" and len(quiz.ranking) <= self.top_n \
                    and code in self._standings_at:
                continue  # the leaderboard shows everyone: the pages wait for the reveal
            elif now >= self._standings_at.get(code, NEVER) + STANDINGS_SECONDS:
                self._standings.discard(code)
                self._standings_at[code] = now
                yield from self._standings_views(quiz, now)

    def _board_interval_at(self, now: float) -> float:
        """`board_interval`, counted again at most once a second (it sums every quiz)."""
        if now >= self._interval_until:
            self._interval, self._interval_until = self.board_interval(), now + 1.0
        return self._interval

    def board_interval(self) -> float:
        """Seconds between two players' boards of a quiz: the budget shared by all players."""
        players = sum(len(quiz.ranking) for quiz in self.quizzes.values()
                      if quiz.phase != "finished")
        return max(PLAYER_BOARD_MIN_SECONDS, players / PLAYER_BOARD_BUDGET)

    # --- builders ----------------------------------------------------------------------------

    def _leaderboard(self, quiz: Quiz, now: float) -> Leaderboard:
        # a calm quiz ranks nobody in public: its boards show the players and progress only
        top = [] if quiz.settings.calm else quiz.standings(self.top_n)
        return Leaderboard(quiz=quiz.code, seq=quiz.seq, players=len(quiz.ranking),
                           top=top, updated_at=now, answered=quiz.answered,
                           q=quiz.index if quiz.phase in ("question", "reveal") else -1)

    def _board_view(self, quiz: Quiz, now: float) -> View:
        self._boards.discard(quiz.code)
        self._board_at[quiz.code] = now
        return View(topics.board(quiz.code), encode(self._leaderboard(quiz, now)))

    def _standings_views(self, quiz: Quiz, now: float) -> Iterator[View]:
        """The pages that changed since they were last published (all, the first time).

        A page changed when its rows, the number of pages or the number of players did. A
        page that no longer exists (players were kicked) is cleared: an empty retained
        message removes it from the broker.
        """
        if quiz.settings.calm:
            return  # no public ranking in a calm quiz: no standings pages
        rows = quiz.standings()
        pages = [rows[i:i + STANDINGS_PAGE] for i in range(0, len(rows), STANDINGS_PAGE)] or [[]]
        shown = [(page, len(pages), len(rows)) for page in pages]
        sent = self._pages.get(quiz.code, [])
        for number, page in enumerate(pages, start=1):
            if number <= len(sent) and sent[number - 1] == shown[number - 1]:
                continue
            view = StandingsPage(quiz=quiz.code, page=number, pages=len(pages),
                                 size=STANDINGS_PAGE, players=len(rows), seq=quiz.seq,
                                 rows=page, updated_at=now)
            yield View(topics.standings(quiz.code, number), encode(view))
        for gone in range(len(pages) + 1, len(sent) + 1):
            yield View(topics.standings(quiz.code, gone), b"")
        self._pages[quiz.code] = shown

    @staticmethod
    def _counts_view(quiz: Quiz, now: float) -> View:
        started, done = quiz.progress() if quiz.self_paced else (0, 0)
        counts = Counts(quiz=quiz.code, players=len(quiz.ranking), answered=quiz.answered,
                        q=quiz.index if quiz.phase in ("question", "reveal") else -1,
                        updated_at=now, started=started, done=done)
        return View(topics.counts(quiz.code), encode(counts))


def state_view(quiz: Quiz, now: float, scorer: str = "",
               speech: Pronouncer | None = None) -> State:
    """What quiz/<code>/state says: never the correct choice before the reveal.

    With `speech`, a listening question carries its audio's address (a keyed name that does
    not tell the word), and every reveal the term's IPA and audio.
    """
    question = quiz.question
    view = reveal = None
    if question is not None:
        heard = speech.address(question.term) \
            if speech is not None and question.kind in LISTENING_KINDS else ""
        view = QuestionView(index=quiz.index, count=len(quiz.questions), prompt=question.prompt,
                            pos=question.pos, choices=list(question.choices),
                            opened_at=quiz.opened_at, deadline=quiz.deadline,
                            kind=question.kind, audio=heard)
    if quiz.phase == "reveal" and question is not None:
        reveal = RevealView(index=quiz.index, correct=question.correct, term=question.term,
                            distribution=list(quiz.distribution),
                            ipa=speech.ipa(question.term) if speech is not None else "",
                            audio=speech.address(question.term) if speech is not None else "")
    return State(quiz=quiz.code, seq=quiz.seq, phase=quiz.phase, settings=quiz.settings,
                 players=len(quiz.ranking), answered=quiz.answered, question=view,
                 reveal=reveal, updated_at=now, scorer=scorer, paused=quiz.paused,
                 remaining=round(quiz.remaining(now), 3))


def player_view(quiz: Quiz, player_id: str) -> PlayerStatus:
    """What quiz/<code>/players/<id> says about one player."""
    player = quiz.players[player_id]
    last = None
    if player.last is not None:
        typo, q = player.last.typo, player.last.q
        # A status is public: the word's spelling waits for the question's reveal.
        revealed = q < quiz.index or quiz.phase in ("reveal", "finished")
        last = LastResult(q=q, correct=player.last.correct,
                          points=player.last.points, late=player.last.late,
                          seq=player.last_seq, typo=typo,
                          expected=quiz.questions[q].word if typo and revealed else "")
    return PlayerStatus(quiz=quiz.code, player=player.id, name=player.name, score=player.score,
                        rank=quiz.rank(player.id), streak=player.streak,
                        answered=player.answered, last=last, kicked=player.kicked,
                        right=list(player.right), opened=player.opened_q,
                        next=quiz.next_for(player))


def words_view(quiz: Quiz, now: float, speech: Pronouncer | None = None) -> Words:
    """What quiz/<code>/words says when the quiz is over: each word shown, and how the class did.

    Questions never opened (the host ended the quiz early) are no words to review.
    """
    words = []
    for index, question in enumerate(quiz.questions[:quiz.index + 1]):
        answered, right, near = quiz.tally.get(index, (0, 0, 0))
        words.append(Word(q=index, kind=question.kind, term=question.word,
                          definition=question.definition, pos=question.pos,
                          example=question.example, answered=answered, right=right,
                          near=near,
                          ipa=speech.ipa(question.word) if speech is not None else ""))
    return Words(quiz=quiz.code, words=words, updated_at=now)
