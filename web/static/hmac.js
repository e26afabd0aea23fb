// HMAC-SHA256 in plain JavaScript, for the player page's signed answers.
//
// The browser's WebCrypto (crypto.subtle) exists only in a secure context: HTTPS, or a
// page from localhost. A classroom opens the player page over plain HTTP at the teacher's
// LAN address, where crypto.subtle is undefined; so the page always signs with this code,
// on every origin, and one path is tested (tests/e2e/test_web_hmac.py: RFC 4231's cases and
// protocol/auth.py's own signatures, compared with Python's hmac in Chromium).
//
// Strings are encoded as UTF-8 (as protocol/auth.py does: key.encode(), text.encode()).
"use strict";

((root) => {
  const BLOCK = 64;  // SHA-256 works on 64-byte blocks; HMAC pads its key to one
  const K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2,
  ]);
  const INITIAL = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c,
    0x1f83d9ab, 0x5be0cd19];

  const rotr = (x, n) => (x >>> n) | (x << (32 - n));
  const bytesOf = (data) => (typeof data === "string" ? new TextEncoder().encode(data) : data);

  // The SHA-256 digest of `data` (a string, as UTF-8, or a Uint8Array): 32 bytes.
  function sha256(data) {
    const bytes = bytesOf(data);
    const blocks = Math.ceil((bytes.length + 9) / BLOCK);
    const padded = new Uint8Array(blocks * BLOCK);
    padded.set(bytes);
    padded[bytes.length] = 0x80;
    const view = new DataView(padded.buffer);
    const bits = bytes.length * 8;
    view.setUint32(padded.length - 8, Math.floor(bits / 0x100000000));
    view.setUint32(padded.length - 4, bits >>> 0);
    const h = new Uint32Array(INITIAL);
    const w = new Uint32Array(64);
    for (let offset = 0; offset < padded.length; offset += BLOCK) {
      for (let i = 0; i < 16; i += 1) w[i] = view.getUint32(offset + 4 * i);
      for (let i = 16; i < 64; i += 1) {
        const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
        const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;  // a Uint32Array keeps the sum mod 2^32
      }
      let [a, b, c, d, e, f, g, hh] = h;
      for (let i = 0; i < 64; i += 1) {
        const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g))
          + K[i] + w[i]) | 0;
        const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        hh = g;
        g = f;
        f = e;
        e = (d + t1) | 0;
        d = c;
        c = b;
        b = a;
        a = (t1 + t2) | 0;
      }
      [a, b, c, d, e, f, g, hh].forEach((x, i) => { h[i] += x; });
    }
    const out = new Uint8Array(32);
    const outView = new DataView(out.buffer);
    h.forEach((x, i) => outView.setUint32(4 * i, x));
    return out;
  }

  // HMAC-SHA256 (RFC 2104) of `message` keyed with `key`: 32 bytes.
  function hmacSha256(key, message) {
    let k = bytesOf(key);
    if (k.length > BLOCK) k = sha256(k);
    const inner = new Uint8Array(BLOCK + bytesOf(message).length);
    const outer = new Uint8Array(BLOCK + 32);
    for (let i = 0; i < BLOCK; i += 1) {
      const byte = i < k.length ? k[i] : 0;
      inner[i] = byte ^ 0x36;
      outer[i] = byte ^ 0x5c;
    }
    inner.set(bytesOf(message), BLOCK);
    outer.set(sha256(inner), BLOCK);
    return sha256(outer);
  }

  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

  // The signature of an answer, as protocol/auth.py's sign_answer: a choice (a number,
  // 0-based) under "answer", a typed text under "typed", the fields joined with "|".
  function signAnswer(secret, code, player, q, given) {
    const label = typeof given === "string" ? "typed" : "answer";
    return hex(hmacSha256(secret, [label, code, player, q, given].map(String).join("|")));
  }

  // The signature of a request to open question q of a self-paced quiz, as
  // protocol/auth.py's sign_open.
  function signOpen(secret, code, player, q) {
    return hex(hmacSha256(secret, ["open", code, player, q].map(String).join("|")));
  }

  root.QuizHmac = Object.freeze({ sha256, hmacSha256, hex, signAnswer, signOpen });
})(globalThis);
