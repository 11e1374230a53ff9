"""Which images each shot shows: a fair share of screen time for every image, and a hook.

Casting is greedy over the shots in order, counting seconds on screen rather
than shots (a calm 7 s shot weighs four times a 1.8 s chorus cut):

- each image is owed ``1/n`` of the song; a shot goes to the image that would
  stay furthest below its due, never past ``1/n + CAP`` while another image
  can take it;
- with lip-sync, sung shots go to a face (the singer sings); the other images
  then catch up on the instrumental parts, so the style images get those;
- the image on screen at a cut never continues after it (``n >= 2``), and a
  shot opens on an image the previous shot did not show when it can; the one
  exception is lip-sync with a single face, whose consecutive sung shots all
  keep the singer;
- every chorus opens on the hook image (the first face when lip-sync found
  one, else the first image: the user's lead picture), and the hook is
  preferred through the chorus, so the MV has a recognisable refrain;
- long, calm shots dissolve from one image to another around their middle
  beat (the renderer's mid-shot dissolve), each image counted for half; so
  does a shot that no allowed image could take whole without passing its cap.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

CAP = 0.08  # how far past its fair share an image may go while another can take the shot
HOOK_BIAS = 0.8  # the hook's score is scaled by this in a chorus (lower is preferred)
DISSOLVE_SECONDS = 4.5  # shots at least this long show two images
SUNG = 0.3  # share of a shot with a voice that makes it a lip-sync shot


@dataclass(frozen=True)
class Slot:
    """What casting needs to know about one shot."""

    seconds: float
    section: str  # the section's label: intro, verse, chorus, ...
    opens: bool  # the first shot of its section
    sung: float  # share of the shot with a voice, 0..1


@dataclass
class _Ledger:
    """Seconds on screen so far, per image, against each image's due."""

    used: list[float]
    due: float
    total: float

    def after(self, image: int, seconds: float) -> float:
        return (self.used[image] + seconds) / self.due

    def over_cap(self, image: int, seconds: float, n: int) -> bool:
        return (self.used[image] + seconds) / self.total > 1 / n + CAP


def assign_images(
    slots: Sequence[Slot],
    n_images: int,
    rng: random.Random,
    faces: Sequence[bool],
    lip_sync: bool,
) -> list[tuple[int, ...]]:
    """Images per shot (one, or two for a mid-shot dissolve); deterministic for ``rng``'s seed."""
    if n_images <= 1:
        return [(0,) for _ in slots]
    face_ids = [i for i in range(n_images) if i < len(faces) and faces[i]] if lip_sync else []
    hook = face_ids[0] if face_ids else 0
    total = sum(s.seconds for s in slots) or 1.0
    ledger = _Ledger([0.0] * n_images, total / n_images, total)
    two = _dissolves(slots, n_images, face_ids)
    out: list[tuple[int, ...]] = []
    for index, slot in enumerate(slots):
        order = rng.sample(range(n_images), n_images)  # seeded tie-break
        previous = out[-1] if out else ()
        before_hook = index + 1 < len(slots) and _chorus_opens(slots[index + 1])
        banned_last = {hook} if before_hook else set()
        if face_ids and slot.sung >= SUNG:
            pool = [i for i in face_ids if i not in previous[-1:]] or face_ids
            chosen: tuple[int, ...] = (_pick(pool, slot.seconds, ledger, order),)
        elif _chorus_opens(slot) and hook not in previous:
            chosen = (
                (hook,)
                if not two[index]
                else (hook, _second(hook, slot, ledger, order, banned_last, hook, n_images))
            )
        else:
            chosen = _cast(slot, two[index], ledger, order, previous, banned_last, hook, n_images)
        share = slot.seconds / len(chosen)
        for image in chosen:
            ledger.used[image] += share
        out.append(chosen)
    return out


def _chorus_opens(slot: Slot) -> bool:
    return slot.opens and slot.section == "chorus"


def _dissolves(slots: Sequence[Slot], n_images: int, face_ids: Sequence[int]) -> list[bool]:
    """Which shots show two images: the long ones, and more when shots are fewer than images."""
    two = [s.seconds >= DISSOLVE_SECONDS and not (face_ids and s.sung >= SUNG) for s in slots]
    by_length = sorted(range(len(slots)), key=lambda i: (-slots[i].seconds, i))
    for i in by_length:
        if len(slots) + sum(two) >= n_images:
            break
        two[i] = True
    return two


def _score(image: int, seconds: float, ledger: _Ledger, slot: Slot, hook: int) -> float:
    score = ledger.after(image, seconds)
    return score * HOOK_BIAS if slot.section == "chorus" and image == hook else score


def _cast(
    slot: Slot,
    two: bool,
    ledger: _Ledger,
    order: list[int],
    previous: tuple[int, ...],
    banned_last: set[int],
    hook: int,
    n: int,
) -> tuple[int, ...]:
    """The fairest image (or pair) for a shot that is not tied to a face or a chorus start.

    It opens on an image the previous shot did not show (failing that, at least
    not the one on screen at the cut).
    """
    part = slot.seconds / (2 if two else 1)
    last = set() if two else banned_last
    pool = (
        [i for i in order if i not in previous and i not in last]
        or [i for i in order if i not in previous[-1:] and i not in last]
        or [i for i in order if i not in previous[-1:]]
    )
    first = min(
        pool,
        key=lambda i: (
            _capped(i, part, ledger, n),
            _score(i, part, ledger, slot, hook),
            order.index(i),
        ),
    )
    if not two and _capped(first, part, ledger, n):  # no image can take it all: share it
        return _cast(slot, True, ledger, order, previous, banned_last, hook, n)
    if not two:
        return (first,)
    return (first, _second(first, slot, ledger, order, banned_last, hook, n))


def _second(
    first: int,
    slot: Slot,
    ledger: _Ledger,
    order: list[int],
    banned_last: set[int],
    hook: int,
    n: int,
) -> int:
    """The image a dissolve ends on: fairest of the others, not the next chorus's hook."""
    part = slot.seconds / 2
    pool = [i for i in order if i != first and i not in banned_last]
    pool = pool or [i for i in order if i != first]
    return min(
        pool,
        key=lambda i: (_capped(i, part, ledger, n), _score(i, part, ledger, slot, hook),
                       order.index(i)),
    )  # fmt: skip


def _capped(image: int, seconds: float, ledger: _Ledger, n: int) -> bool:
    return ledger.over_cap(image, seconds, n)


def _pick(pool: Sequence[int], seconds: float, ledger: _Ledger, order: list[int]) -> int:
    return min(pool, key=lambda i: (ledger.after(i, seconds), order.index(i)))
