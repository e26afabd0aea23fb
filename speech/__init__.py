"""How a word sounds: its audio (a WAV from espeak-ng) and its pronunciation in IPA.

`speech.names` is pure (the audio's keyed file name, its address on the web board, IPA
text); `speech.espeak` is the thin edge that runs espeak-ng; `speech.cache` keeps each
word's WAV and IPA in a folder, made once per word and voice.
"""
