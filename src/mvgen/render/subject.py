"""Cut the subject of a still out of its background and fill the hole, without model weights.

For 2.5D shots the renderer moves the subject and the background at different
depths, or sets the subject in front of another picture. This module finds the
subject with OpenCV alone: GrabCut seeded from the frontal face box when there
is one (head, neck and a torso grown below it), otherwise from a saliency map
made of colour contrast against the four borders and a spectral-residual map,
with a weak centre prior. Pass the face box whenever ``find_frontal_face`` has
one: saliency alone can miss a head whose colours match the wall behind it.

Everything runs at a reduced size (``work_side``): GrabCut learns its colour
models at half that size and snaps the edge at full work size; the mask is
upscaled and feathered. The hole is filled at half the work size (Telea near its
rim, a smooth push-pull average deeper in) and pasted only into the hole, so the
rest of the plate is the original pixels. About 90-250 ms of one core for a
1080p picture (docs/gallery/subject.png shows the reference images).

When the separation is doubtful (nothing stands out, the subject is tiny or the
whole picture, it falls apart in pieces, its colours match the background, or
its outline follows no colour edge) the cut-out says so (``confident=False``,
``reason``) and treats the whole picture as the subject, so a caller can always
use it.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

Box = tuple[int, int, int, int]

AREA_RANGE = (0.05, 0.75)  # subject share of the picture outside which we do not trust it
MIN_PEAK = 0.35  # saliency (0..1) the most salient 1 % must reach: something stands out
MIN_DOMINANCE = 0.7  # share of the mask in its largest piece
MIN_SEPARATION = 0.3  # Bhattacharyya distance of subject vs. background colours
MIN_EDGE = 10.0  # mean Lab distance across the outline (8-bit units)
MIN_EDGE_RATIO = 2.5  # outline contrast over that of outlines shrunk/grown by 4 %
CONTRAST_FULL = 40.0  # Lab distance (8-bit units) from every border that counts as fully salient
BORDER = 0.04  # border strip (share of the short side) taken as background
GRABCUT_ITERS = 4  # rounds at half the work size; one more at full size
MIN_SIDE = 16  # pixels: smaller pictures are not separated


@dataclass(frozen=True)
class Cutout:
    """The subject of a still as a soft alpha mask, and the picture with the subject removed."""

    mask: np.ndarray  # H×W uint8 alpha of the subject (feathered edge), read-only
    plate: np.ndarray  # H×W×3 uint8 BGR: subject removed, hole inpainted, read-only
    box: Box  # (x, y, w, h) bounding box of the subject in source pixels
    confident: bool  # False: mask is all 255 and plate is the image
    method: str  # "face" | "saliency" | "none": what seeded the separation
    reason: str  # why not confident ("" when confident)


def cut_out(image: np.ndarray, face: Box | None = None, *, work_side: int = 384) -> Cutout:
    """Separate the subject of ``image`` (H×W×3 BGR uint8) from its background.

    ``face`` is a frontal face box ``(x, y, w, h)`` in the same pixels, when known
    (``mvgen.lipsync.find_frontal_face``): it seeds a person's head and body.
    Deterministic: the same image gives the same cut-out (GrabCut's RNG is seeded).
    """
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"cut_out wants H×W×3 uint8 BGR, got {image.shape} {image.dtype}")
    if face is not None and min(face[2], face[3]) <= 0:
        raise ValueError(f"face box {face} is empty")
    height, width = image.shape[:2]
    if min(height, width) < MIN_SIDE:
        return _whole(image, "none", f"picture smaller than {MIN_SIDE} px")
    scale = min(1.0, work_side / max(height, width))
    size = (max(MIN_SIDE, round(width * scale)), max(MIN_SIDE, round(height * scale)))
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA) if scale < 1 else image
    method = "face" if face is not None else "saliency"
    if face is not None:
        seeds = _face_seeds(small.shape, tuple(round(v * scale) for v in face))
    else:
        sal = _saliency(small)
        if float(np.percentile(sal, 99)) < MIN_PEAK:
            return _whole(image, "none", "nothing stands out from the border colours")
        seeds = _saliency_seeds(sal)
    has_bg = np.isin(seeds, (cv2.GC_BGD, cv2.GC_PR_BGD)).any()
    if not has_bg or not np.isin(seeds, (cv2.GC_FGD, cv2.GC_PR_FGD)).any():
        return _whole(image, method, "no room for both a subject and a background")
    binary, dominance = _clean(_grabcut(small, seeds), seeds, face is not None)
    reason = _judge(small, binary, dominance)
    if reason:
        return _whole(image, method, reason)
    mask = _feather(binary, (width, height), scale)
    plate = _plate(image, small, binary)
    return Cutout(_frozen(mask), _frozen(plate), _bounds(mask), True, method, "")


def _whole(image: np.ndarray, method: str, reason: str) -> Cutout:
    """The not-confident answer: the whole picture is the subject, nothing removed."""
    height, width = image.shape[:2]
    mask = np.full((height, width), 255, np.uint8)
    plate = image.copy()
    return Cutout(_frozen(mask), _frozen(plate), (0, 0, width, height), False, method, reason)


def _frozen(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def _border(shape: tuple[int, ...]) -> np.ndarray:
    """A boolean strip along the four edges, BORDER of the short side thick."""
    h, w = shape[:2]
    m = max(2, round(BORDER * min(h, w)))
    strip = np.zeros((h, w), bool)
    strip[:m], strip[-m:], strip[:, :m], strip[:, -m:] = True, True, True, True
    return strip


def _face_seeds(shape: tuple[int, ...], face: Box) -> np.ndarray:
    """GrabCut labels for a person: face core sure, head and torso probable, far border sure bg."""
    h, w = shape[:2]
    x, y, fw, fh = face
    cx = x + fw / 2
    body = np.zeros((h, w), np.uint8)
    cv2.ellipse(body, (round(cx), round(y + 0.42 * fh)), (round(0.7 * fw), round(0.8 * fh)),
                0, 0, 360, 1, -1)  # fmt: skip
    bottom = min(h, y + 7 * fh)
    torso = np.array([
        (cx - 0.35 * fw, y + 0.8 * fh), (cx + 0.35 * fw, y + 0.8 * fh),
        (cx + 1.5 * fw, y + 1.6 * fh), (cx + 1.9 * fw, bottom),
        (cx - 1.9 * fw, bottom), (cx - 1.5 * fw, y + 1.6 * fh),
    ], np.int32)  # fmt: skip
    cv2.fillPoly(body, [torso], 1)
    seeds = np.full((h, w), cv2.GC_PR_BGD, np.uint8)
    seeds[body > 0] = cv2.GC_PR_FGD
    grown = cv2.dilate(body, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (fw // 2 + 1,) * 2))
    seeds[_border(shape) & (grown == 0)] = cv2.GC_BGD
    cv2.ellipse(seeds, (round(cx), round(y + 0.55 * fh)), (round(0.3 * fw), round(0.38 * fh)),
                0, 0, 360, cv2.GC_FGD, -1)  # fmt: skip
    neck = (round(cx - 0.15 * fw), round(y + 0.8 * fh), round(0.3 * fw), round(0.5 * fh))
    cv2.rectangle(seeds, neck, cv2.GC_FGD, -1)
    return seeds


def _saliency(small: np.ndarray, side: int = 128) -> np.ndarray:
    """Saliency 0..1 at ``small``'s size, computed at ``side`` pixels (it is smooth anyway).

    Colour distance from all four borders (the background prior), sharpened by the
    spectral residual and a weak centre prior.
    """
    h, w = small.shape[:2]
    f = min(1.0, side / max(h, w))
    size = (max(8, round(w * f)), max(8, round(h * f)))
    tiny = cv2.resize(small, size, interpolation=cv2.INTER_AREA)
    lab = cv2.cvtColor(cv2.GaussianBlur(tiny, (0, 0), 0.01 * side), cv2.COLOR_BGR2Lab)
    contrast = np.clip(_border_contrast(lab.astype(np.float32)) / CONTRAST_FULL, 0, 1)
    residual = _spectral_residual(cv2.cvtColor(tiny, cv2.COLOR_BGR2GRAY))
    yy, xx = np.mgrid[0 : size[1], 0 : size[0]].astype(np.float32)
    tw, th = size
    centre = np.exp(-(((xx - tw / 2) / (0.45 * tw)) ** 2 + ((yy - th / 2) / (0.45 * th)) ** 2) / 2)
    sal = contrast * (0.7 + 0.3 * residual) * (0.6 + 0.4 * centre)
    result: np.ndarray = cv2.resize(sal.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    return result


def _border_contrast(lab: np.ndarray, segments: int = 24) -> np.ndarray:
    """Mean over the four sides of each pixel's distance to that side's nearest colour."""
    h, w = lab.shape[:2]
    m = max(2, round(BORDER * min(h, w)))
    sides = (lab[:m].mean(0), lab[-m:].mean(0), lab[:, :m].mean(1), lab[:, -m:].mean(1))
    planes = [np.ascontiguousarray(lab[..., c]) for c in range(3)]
    total = np.zeros((h, w), np.float32)
    for side in sides:
        nearest = np.full((h, w), np.inf, np.float32)
        for part in np.array_split(side, min(segments, len(side))):
            c = part.mean(0)
            d = sum((plane - c[i]) ** 2 for i, plane in enumerate(planes))
            np.minimum(nearest, d, out=nearest)
        total += np.sqrt(nearest)
    return total / 4


def _spectral_residual(gray: np.ndarray, side: int = 64) -> np.ndarray:
    """Hou & Zhang's spectral-residual saliency (numpy FFT), 0..1 at ``gray``'s size."""
    h, w = gray.shape
    tiny = cv2.resize(gray, (side, side), interpolation=cv2.INTER_AREA).astype(np.float32)
    spectrum = np.fft.fft2(tiny)
    log_amp = np.log(np.abs(spectrum) + 1e-6).astype(np.float32)
    residual = log_amp - cv2.blur(log_amp, (3, 3), borderType=cv2.BORDER_REPLICATE)
    back = np.abs(np.fft.ifft2(np.exp(residual + 1j * np.angle(spectrum)))) ** 2
    smooth = np.asarray(cv2.GaussianBlur(back.astype(np.float32), (0, 0), 2.5))
    peak = max(float(smooth.max()), 1e-9)
    unit = (smooth / peak).astype(np.float32)
    return cv2.resize(unit, (w, h), interpolation=cv2.INTER_LINEAR)


def _saliency_seeds(sal: np.ndarray) -> np.ndarray:
    """GrabCut labels from saliency: Otsu-salient probable fg, its strong core sure fg."""
    as8 = np.clip(sal * 255, 0, 255).astype(np.uint8)
    otsu, _ = cv2.threshold(as8, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    low = max(otsu / 255, 0.2)
    seeds = np.full(sal.shape, cv2.GC_PR_BGD, np.uint8)
    seeds[sal > low] = cv2.GC_PR_FGD
    seeds[sal > (low + 1) / 2] = cv2.GC_FGD
    seeds[_border(sal.shape) & (sal <= low)] = cv2.GC_BGD
    return seeds


def _grabcut(small: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """GrabCut from the labels, coarse to fine; a 0/255 subject mask at ``small``'s size.

    The colour models settle at half size (GRABCUT_ITERS rounds, cheap), then one
    round at full work size with the models frozen snaps the edge; pixels far from
    the coarse edge stay as the coarse pass put them. Seeded RNG: same input, same mask.
    """
    cv2.setRNGSeed(12345)
    h, w = seeds.shape
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    half = (max(8, w // 2), max(8, h // 2))
    labels = cv2.resize(seeds, half, interpolation=cv2.INTER_NEAREST)
    coarse = cv2.resize(small, half, interpolation=cv2.INTER_AREA)
    no_rect = (0, 0, 0, 0)  # the labels say where things are
    cv2.grabCut(coarse, labels, no_rect, bgd, fgd, GRABCUT_ITERS, cv2.GC_INIT_WITH_MASK)
    coarse_fg = np.isin(labels, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.uint8) * 255
    fg = cv2.resize(coarse_fg, (w, h), interpolation=cv2.INTER_LINEAR)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))
    fine = np.where(fg > 127, cv2.GC_PR_FGD, cv2.GC_PR_BGD).astype(np.uint8)
    fine[cv2.erode(fg, kernel) > 127] = cv2.GC_FGD
    fine[cv2.dilate(fg, kernel) <= 127] = cv2.GC_BGD
    sure = (seeds == cv2.GC_FGD) | (seeds == cv2.GC_BGD)
    fine[sure] = seeds[sure]
    cv2.grabCut(small, fine, no_rect, bgd, fgd, 1, cv2.GC_EVAL_FREEZE_MODEL)
    return np.where(np.isin(fine, (cv2.GC_FGD, cv2.GC_PR_FGD)), 255, 0).astype(np.uint8)


def _clean(binary: np.ndarray, seeds: np.ndarray, person: bool) -> tuple[np.ndarray, float]:
    """Smooth, keep the subject's pieces, fill small holes.

    A person keeps every piece touching the sure seeds or lying mostly in the body
    prior; otherwise the largest piece is kept. Returns the mask and the share of
    the mask that its largest piece held (how much it fell apart).
    """
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    binary = cv2.morphologyEx(cv2.morphologyEx(binary, cv2.MORPH_OPEN, kernel),
                              cv2.MORPH_CLOSE, kernel)  # fmt: skip
    count, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    if count <= 1:
        return binary, 0.0
    areas = stats[1:, cv2.CC_STAT_AREA]
    chosen = [1 + int(np.argmax(areas))]
    if person:
        prior = np.bincount(labels[seeds != cv2.GC_PR_BGD], minlength=count)[1:]
        sure = np.bincount(labels[seeds == cv2.GC_FGD], minlength=count)[1:]
        big = areas >= 0.005 * binary.size
        chosen = [1 + int(i) for i in np.flatnonzero((sure > 0) | (big & (prior >= 0.5 * areas)))]
    out = np.where(np.isin(labels, chosen), 255, 0).astype(np.uint8)
    dominance = float(areas.max() / areas.sum())
    return _fill_holes(out, 0.01 * binary.size), dominance


def _fill_holes(binary: np.ndarray, max_area: float) -> np.ndarray:
    """Fill background islands inside the subject smaller than ``max_area`` pixels."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(255 - binary, connectivity=4)
    h, w = binary.shape
    for i in range(1, count):
        x, y, bw, bh, area = stats[i]
        inside = x > 0 and y > 0 and x + bw < w and y + bh < h
        if inside and area < max_area:
            binary[labels == i] = 255
    return binary


def _judge(small: np.ndarray, binary: np.ndarray, dominance: float) -> str:
    """Why the mask should not be trusted, or "" when it looks like a real subject."""
    share = float(np.count_nonzero(binary)) / binary.size
    if not AREA_RANGE[0] <= share <= AREA_RANGE[1]:
        return f"subject covers {share:.0%} of the picture (trusted: 5-75 %)"
    if dominance < MIN_DOMINANCE:
        return f"the subject falls apart (largest piece {dominance:.0%})"
    separation = _separation(small, binary)
    if separation < MIN_SEPARATION:
        return f"subject and background colours overlap (separation {separation:.2f})"
    lab = cv2.cvtColor(small, cv2.COLOR_BGR2Lab).astype(np.float32)
    edge = _edge_contrast(lab, binary)
    if edge < MIN_EDGE:
        return f"the outline runs through even colour (edge contrast {edge:.0f})"
    step = max(3, round(0.04 * max(binary.shape)))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * step + 1,) * 2)
    beside = max(_edge_contrast(lab, cv2.erode(binary, kernel)),
                 _edge_contrast(lab, cv2.dilate(binary, kernel)), 1.0)  # fmt: skip
    if edge < MIN_EDGE_RATIO * beside:
        return f"the outline is no sharper than lines beside it ({edge:.0f} vs {beside:.0f})"
    return ""


def _edge_contrast(lab: np.ndarray, binary: np.ndarray) -> float:
    """Mean Lab distance between the colours just inside and just outside the outline.

    A real subject's outline follows a colour change; a guessed one crosses fur,
    sky or texture, where the two sides look alike. ``_judge`` also compares it
    with outlines shrunk and grown a little: a true edge stands out from those.
    """
    inside = (binary > 127).astype(np.float32)
    sigma = 0.015 * max(binary.shape)
    near_in = cv2.GaussianBlur(inside, (0, 0), sigma)[..., None]
    blur_in = cv2.GaussianBlur(lab * inside[..., None], (0, 0), sigma)
    blur_all = cv2.GaussianBlur(lab, (0, 0), sigma)
    mean_in = blur_in / np.maximum(near_in, 1e-3)
    mean_out = (blur_all - blur_in) / np.maximum(1 - near_in, 1e-3)
    outline = cv2.morphologyEx(binary, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0
    outline &= ~_border(binary.shape)
    if not outline.any():
        return 0.0
    return float(np.linalg.norm(mean_in - mean_out, axis=-1)[outline].mean())


def _separation(small: np.ndarray, binary: np.ndarray) -> float:
    """Bhattacharyya distance of the subject's and the background's Lab colour histograms."""
    lab = cv2.cvtColor(small, cv2.COLOR_BGR2Lab)
    bins, ranges = [8, 8, 8], [0, 256, 0, 256, 0, 256]
    fg = cv2.calcHist([lab], [0, 1, 2], binary, bins, ranges)
    bg = cv2.calcHist([lab], [0, 1, 2], 255 - binary, bins, ranges)
    cv2.normalize(fg, fg, 1, 0, cv2.NORM_L1)
    cv2.normalize(bg, bg, 1, 0, cv2.NORM_L1)
    return float(cv2.compareHist(fg, bg, cv2.HISTCMP_BHATTACHARYYA))


def _feather(binary: np.ndarray, size: tuple[int, int], scale: float) -> np.ndarray:
    """Upscale the work mask to ``size`` (w, h) with a soft edge of a few source pixels."""
    soft = cv2.GaussianBlur(binary, (0, 0), 0.8)
    mask = cv2.resize(soft, size, interpolation=cv2.INTER_LINEAR) if scale < 1 else soft
    return cv2.GaussianBlur(mask, (0, 0), max(1.0, 0.75 / scale))


def _plate(image: np.ndarray, small: np.ndarray, binary: np.ndarray) -> np.ndarray:
    """``image`` with the subject filled away; pixels outside the (dilated) hole unchanged."""
    grow = max(3, round(0.015 * max(binary.shape)))
    hole = cv2.dilate(binary, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1,) * 2))
    filled = _fill(small, hole)
    height, width = image.shape[:2]
    alpha = cv2.resize(hole, (width, height), interpolation=cv2.INTER_LINEAR)
    x, y, w, h = cv2.boundingRect(alpha)
    plate = image.copy()
    if w == 0:
        return plate
    big = cv2.resize(filled, (width, height), interpolation=cv2.INTER_LINEAR)[y : y + h, x : x + w]
    a = alpha[y : y + h, x : x + w].astype(np.float32) / 255
    crop = plate[y : y + h, x : x + w]
    plate[y : y + h, x : x + w] = cv2.blendLinear(big, crop, a, 1 - a)
    return plate


def _fill(small: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """Fill ``hole`` in ``small`` at half size: Telea near its edge, a smooth membrane inside.

    Telea continues the edges around the hole but, across a large hole, drags any
    stray patch on its rim into long streaks; a push-pull pyramid average of the
    whole rim fills the middle evenly instead.
    """
    half = (max(8, hole.shape[1] // 2), max(8, hole.shape[0] // 2))
    gap = (cv2.resize(hole, half, interpolation=cv2.INTER_AREA) > 0).astype(np.uint8)
    source = cv2.resize(small, half, interpolation=cv2.INTER_AREA)
    telea = cv2.inpaint(source, gap, 3, cv2.INPAINT_TELEA).astype(np.float32)
    membrane = _push_pull(source.astype(np.float32), 1 - gap.astype(np.float32))
    depth = cv2.distanceTransform(gap, cv2.DIST_L2, 3)
    weight = np.clip(depth / (0.03 * max(half)), 0, 1)[..., None]
    out = telea * (1 - weight) + membrane * weight
    result: np.ndarray = np.clip(out, 0, 255).astype(np.uint8)
    return result


def _push_pull(image: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Fill where ``known`` is 0 with weighted averages from coarser pyramid levels."""
    levels = [(image * known[..., None], known)]
    while min(levels[-1][1].shape) > 4:
        num, den = levels[-1]
        levels.append((cv2.pyrDown(num), cv2.pyrDown(den)))
    num, den = levels[-1]
    mean = (image * known[..., None]).sum((0, 1)) / max(float(known.sum()), 1.0)
    fill = np.where(den[..., None] > 1e-3, num / np.maximum(den, 1e-3)[..., None], mean)
    for num, den in reversed(levels[:-1]):
        up = cv2.pyrUp(fill, dstsize=(den.shape[1], den.shape[0]))
        mean = num / np.maximum(den, 1e-6)[..., None]
        a = np.clip(den, 0, 1)[..., None]
        fill = mean * a + up * (1 - a)
    result: np.ndarray = fill
    return result


def _bounds(mask: np.ndarray) -> Box:
    """Bounding box (x, y, w, h) of ``mask > 127``; zeros when empty."""
    x, y, w, h = cv2.boundingRect((mask > 127).astype(np.uint8))
    return (int(x), int(y), int(w), int(h))
