"""Seconds to analyse one long message made of a threat repeated over and over.

A repeated threat holds thousands of hits and negators: the frames must not compare every
negator with every hit over the whole text. Run: python bench/long_message_bench.py
"""

from __future__ import annotations

import time

from notalone.detect import Detector, Message

TEXTS = {
    "en": "if u dont pay im sending the pics to ur mom, dont tell anyone ",
    "vi": "không thì tao gửi clip của mày cho bố mẹ mày, đừng nói với ai ",
}


def main() -> None:
    detector = Detector.default()
    detector.new_conversation().add(Message("x", "warm up"))
    for lang, base in TEXTS.items():
        for repeat in (100, 400, 1600, 16000):
            text = base * repeat
            start = time.perf_counter()
            level = detector.new_conversation().add(Message("x", text)).level
            took = time.perf_counter() - start
            print(f"{lang} {len(text):>7} chars  {took:6.2f} s  {level}")


if __name__ == "__main__":
    main()
