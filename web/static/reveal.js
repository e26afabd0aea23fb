// The right answer a reveal names, on the board and the player page alike, as
// client/reveal.py says it on the terminal screens: the word; a reverse question asks for
// the word's meaning, so its answer is the word and the definition its right choice holds.
"use strict";

globalThis.quizReveal = Object.freeze({
  answerText(question, reveal) {
    const term = String(reveal.term);
    const reverse = question !== null && typeof question === "object" &&
      question.kind === "reverse" && Array.isArray(question.choices) &&
      Number.isInteger(reveal.correct);
    const meaning = reverse ? question.choices[reveal.correct] : undefined;
    return typeof meaning === "string" ? `${term} — ${meaning}` : term;
  },
});
