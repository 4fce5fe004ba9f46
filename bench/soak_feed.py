"""The soak's feed: an hour of news as wire services and outlets publish it, from the BBC corpus.

Every drop is one of three kinds (deterministic for a seed):

    new           a text no earlier drop has: the paragraphs of three corpus articles of one section,
                  interleaved, under the first one's headline (the corpus has 1313 files; an hour at a few
                  files a second needs many more distinct texts, with real names and vocabulary)
    republished   an outlet's republication of a recent new text (a wire story): another headline suffix
                  and byline, one paragraph dropped from a long one. Stories are picked by a heavy-tailed
                  popularity, so a few are republished 20 times or more, as wire copy is
    copy          the exact bytes of an earlier drop under another file name (a feed fetched twice)

The shares default to the issue's: about 30% republications, 5% exact copies, the rest new.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

from bench.sustained import CorpusText

Kind = Literal["new", "republished", "copy"]
OUTLETS = 40
# A republication picks among this many latest new texts: wire copy is republished within hours, not days.
RECENT = 400
# Zipf-like weight of the k-th most popular story: a few collect dozens of republications.
POPULARITY_EXPONENT = 1.1


@dataclass(frozen=True)
class Drop:
    """One file of the feed: its name, its bytes, its kind and, for a republication or copy, what it repeats."""

    name: str
    data: bytes
    kind: Kind
    of: int | None = None


class SoakFeed:
    """Drop ``n`` is :meth:`drop` (n); drops must be asked for in order (the feed remembers what it published).

    ``label`` starts the file names and new texts' headlines: two feeds of one run need two labels.
    """

    def __init__(
        self,
        corpus: list[CorpusText],
        *,
        republished: float = 0.30,
        copies: float = 0.05,
        seed: int = 13,
        label: str = "soak",
    ) -> None:
        if not 0 <= republished + copies < 1:
            raise ValueError(f"republished ({republished}) + copies ({copies}) must be at least 0 and below 1")
        self._rng = random.Random(seed)
        self._label = label
        self._republished, self._copies = republished, copies
        self._sections: dict[str, list[CorpusText]] = defaultdict(list)
        for text in corpus:
            self._sections[text.name.split("-", 1)[0]].append(text)
        self._section_names = sorted(self._sections)
        self._drops: list[Drop] = []
        self._new: list[tuple[int, list[str], float]] = []  # (drop number, lines, popularity weight)
        self.republications: dict[int, int] = defaultdict(int)

    def __call__(self, n: int) -> tuple[str, bytes, str]:
        """Drop ``n`` as bench/sustained.py's ``Feed`` gives it: name, bytes, kind."""
        made = self.drop(n)
        return made.name, made.data, made.kind

    def drop(self, n: int) -> Drop:
        """The ``n``-th file of the feed."""
        if n != len(self._drops):
            raise ValueError(f"the feed's drops are made in order: asked for {n}, next is {len(self._drops)}")
        roll = self._rng.random()
        if self._drops and roll < self._copies:
            made = self._copy(n)
        elif len(self._new) >= 2 and roll < self._copies + self._republished:
            made = self._republish(n)
        else:
            made = self._fresh(n)
        self._drops.append(made)
        return made

    def _fresh(self, n: int) -> Drop:
        section = self._sections[self._rng.choice(self._section_names)]
        first, *others = self._rng.sample(section, 3)
        paragraphs = [p for text in (first, *others) for p in text.lines[1:] if p.strip()]
        # The first article's lead stays first (its headline's subject); the rest interleaved.
        lead, rest = paragraphs[0], paragraphs[1:]
        self._rng.shuffle(rest)
        lines = [f"{self._label.capitalize()} {n}: {first.lines[0]}", lead, *rest[: max(6, len(rest) // 2)]]
        self._new.append((n, lines, self._rng.paretovariate(POPULARITY_EXPONENT)))
        return Drop(f"{self._label}-{n:06d}-new.txt", "\n\n".join(lines).encode(), "new")

    def _republish(self, n: int) -> Drop:
        recent = self._new[-RECENT:]
        original, lines, _ = self._rng.choices(recent, weights=[w for _, _, w in recent])[0]
        self.republications[original] += 1
        outlet = self._rng.randrange(OUTLETS)
        body = lines[1:]
        if len(body) > 6:  # one paragraph of a short text can be half of it
            dropped = self._rng.randrange(1, len(body))
            body = [p for i, p in enumerate(body) if i != dropped]
        edited = [f"{lines[0]} | Outlet {outlet}", f"By Outlet {outlet} staff and wire reports", *body]
        return Drop(f"{self._label}-{n:06d}-outlet{outlet}.txt", "\n\n".join(edited).encode(), "republished", original)

    def _copy(self, n: int) -> Drop:
        source = self._rng.randrange(len(self._drops))
        return Drop(f"{self._label}-{n:06d}-copy.txt", self._drops[source].data, "copy", source)
