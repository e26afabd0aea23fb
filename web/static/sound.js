// The spoken word, on the board and the player page alike: a listening question's audio
// and the word at the reveal, served by `quiz serve` at /audio/NAME (docs/protocol.md,
// Audio). A browser refuses to play before the user touched the page (autoplay policy): the
// page then shows its "click to enable sound" button, and a click plays it and unlocks
// every later sound of the page.
"use strict";

globalThis.quizSound = Object.freeze({
  // The address a message names, when it is one the board serves (else "").
  address(path) {
    return typeof path === "string" && /^\/audio\/[0-9a-f]{32}\.wav$/.test(path) ? path : "";
  },

  // A player over one <audio> element; `onBlocked(true|false)` shows or hides the button
  // that asks for a click.
  player(audio, onBlocked) {
    let last = "";
    const play = (src) => {
      if (!src) return;
      last = src;
      if (audio.getAttribute("src") !== src) audio.setAttribute("src", src);
      try { audio.currentTime = 0; } catch (_) { /* not loaded yet: it starts at 0 */ }
      const started = audio.play();
      if (started && typeof started.then === "function") {
        started.then(() => onBlocked(false), (error) => {
          if (error && error.name === "NotAllowedError") onBlocked(true);
        });
      }
    };
    return Object.freeze({
      play,
      // Play the last sound again (the replay button, or the click that unlocks sound).
      again() { play(last); },
      stop() { audio.pause(); },
    });
  },
});
