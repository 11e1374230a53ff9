"""Casting rules on hand-made shot lists: fair screen time, no repeats, roles, the hook."""

from __future__ import annotations

import random

from mvgen.storyboard.casting import Slot, assign_images

LENGTHS = [8.0, 2.0, 2.0, 2.0, 2.0, 6.0, 2.0, 2.0, 7.5, 3.0, 3.0, 2.0, 8.0, 2.0, 2.0, 4.0,
           2.0, 2.0, 3.0, 2.0]  # fmt: skip
CHORUS_OPENERS = (8, 16)


def slots(lengths: list[float] = LENGTHS, sung: float = 0.0) -> list[Slot]:
    """Intro, verse, chorus, verse, chorus: a section every four shots; odd shots sung."""
    labels = ["intro", "verse", "chorus", "verse", "chorus"]
    return [
        Slot(t, labels[min(i // 4, 4)], i % 4 == 0, sung if i % 2 else 0.0)
        for i, t in enumerate(lengths)
    ]


def shares(cast: list[tuple[int, ...]], shots: list[Slot], n: int) -> list[float]:
    seconds = [0.0] * n
    for images, slot in zip(cast, shots, strict=True):
        for image in images:
            seconds[image] += slot.seconds / len(images)
    return [s / sum(seconds) for s in seconds]


def test_screen_time_is_fair_not_shot_counts() -> None:
    for n in (2, 3, 4, 5):
        for seed in range(5):
            cast = assign_images(slots(), n, random.Random(seed), (), False)
            assert max(shares(cast, slots(), n)) <= 1 / n + 0.08, (n, seed)
            assert all(s > 0 for s in shares(cast, slots(), n))


def test_no_image_continues_across_a_cut() -> None:
    for n in (2, 3, 4):
        cast = assign_images(slots(), n, random.Random(1), (), False)
        assert all(a[-1] != b[0] for a, b in zip(cast, cast[1:], strict=False))
        assert all(len(set(images)) == len(images) for images in cast)


def test_one_image_fills_every_shot() -> None:
    assert assign_images(slots(), 1, random.Random(0), (), False) == [(0,)] * len(LENGTHS)


def test_fewer_shots_than_images_still_shows_them_all() -> None:
    shots = slots([5.0, 3.0])
    cast = assign_images(shots, 4, random.Random(0), (), False)
    assert {i for images in cast for i in images} == {0, 1, 2, 3}


def test_every_chorus_opens_on_the_hook() -> None:
    for seed in range(5):
        cast = assign_images(slots(), 4, random.Random(seed), (), False)
        assert all(cast[i][0] == 0 for i in CHORUS_OPENERS)
        chorus = [i for i, slot in enumerate(slots()) if slot.section == "chorus"]
        hook_time = sum(LENGTHS[i] / len(cast[i]) for i in chorus if 0 in cast[i])
        assert hook_time / sum(LENGTHS[i] for i in chorus) > 0.25  # more than a fair share


def test_lip_sync_gives_the_face_the_sung_shots_and_the_others_the_rest() -> None:
    shots = slots(sung=0.8)
    faces = (False, True, False)
    cast = assign_images(shots, 3, random.Random(0), faces, True)
    for images, slot in zip(cast, shots, strict=True):
        if slot.sung >= 0.3:
            assert images == (1,)
    instrumental = [images for images, slot in zip(cast, shots, strict=True) if slot.sung < 0.3]
    face_time = sum(1 for images in instrumental if images[0] == 1)
    assert face_time < len(instrumental) / 3  # style images take the instrumental parts
    # the face is the hook: a chorus opens on it unless the sung shot before just showed it
    assert all(cast[i][0] == 1 or cast[i - 1] == (1,) for i in CHORUS_OPENERS)
    assert [s.sung for s in shots[7:9]] == [0.8, 0.0]


def test_lip_sync_chorus_opens_on_the_face() -> None:
    shots = [Slot(s.seconds, s.section, s.opens, 0.8 if s.section == "chorus" else 0.0)
             for s in slots()]  # fmt: skip
    cast = assign_images(shots, 3, random.Random(0), (False, True, False), True)
    assert all(cast[i] == (1,) for i in CHORUS_OPENERS)
    assert all(cast[i - 1][-1] != 1 for i in CHORUS_OPENERS)


def test_same_seed_same_cast() -> None:
    a = assign_images(slots(), 4, random.Random(7), (), False)
    assert a == assign_images(slots(), 4, random.Random(7), (), False)
    assert a != assign_images(slots(), 4, random.Random(8), (), False)
