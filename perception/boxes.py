"""Box geometry on screenshots: the one `Box` type, containment and overlap, and the parts of a screen to read.

A box is a tuple (x1, y1, x2, y2) in screen (or image) pixels, x2/y2 exclusive, as OCR, the bordered-box finder
(perception.bordered_boxes) and the listing (perception.listing) write them. The region functions
(`changed_regions`, `content_region`) tell the screen reader (perception.screen_reader) which pixels need OCR.

Pure Python, plus Pillow, numpy and OpenCV inside the functions that need them: importing this module stays cheap.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

Box = tuple[int, int, int, int]  # x1, y1, x2, y2 in pixels; x2/y2 exclusive


def centre_in(inner: Box, outer: Box) -> bool:
    """Whether the centre of box `inner` lies within box `outer`: a text line belongs to the button, key or field
    it is centred in."""
    cx, cy = (inner[0] + inner[2]) / 2, (inner[1] + inner[3]) / 2
    return outer[0] <= cx <= outer[2] and outer[1] <= cy <= outer[3]


def overlaps(a: Box, b: Box) -> bool:
    """Whether two boxes share at least one pixel (touching edges do not count)."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def inside(image: Image.Image, box: Box, inset: int = 3) -> Image.Image | None:
    """The part of `image` within a box's border (RGB), or None when the box is too small to have one."""
    x1, y1, x2, y2 = box
    if x2 - x1 <= 2 * inset + 2 or y2 - y1 <= 2 * inset + 2:
        return None
    return image.crop((x1 + inset, y1 + inset, x2 - inset, y2 - inset)).convert("RGB")


def merge_overlapping(boxes: Iterable[Box]) -> list[Box]:
    """Boxes with every overlapping pair replaced by their common bounding box, until none overlap; sorted top
    to bottom."""
    boxes = list(boxes)
    merged = True
    while merged:
        merged = False
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                if overlaps(boxes[i], boxes[j]):
                    a, b = boxes[i], boxes.pop(j)
                    boxes[i] = (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))
                    merged = True
                    break
            if merged:
                break
    return sorted(boxes, key=lambda b: (b[1], b[0]))


def grown_over(region: Box, boxes: Iterable[Box], margin: int = 8) -> Box:
    """`region` grown to take in every box it overlaps, plus `margin` around each, so that a text line is re-read
    whole or not at all (and a field's border, where its `[label]` line's box ends, stays inside the crop)."""
    for box in boxes:
        if overlaps(box, region):
            region = (min(region[0], box[0] - margin), min(region[1], box[1] - margin),
                      max(region[2], box[2] + margin), max(region[3], box[3] + margin))
    return region


def changed_regions(difference: Image.Image, pad: int = 24, gap: int = 16) -> list[Box]:
    """Boxes around the separate changed parts of a difference image (`ImageChops.difference` of two screens),
    each padded by `pad`; parts less than `gap` pixels apart, and padded boxes that overlap, become one. Empty
    when nothing changed.

    Separate parts matter for speed: after a calculator key press the display and the key under the pointer
    change, and one box around both would span most of the keys, which OCR would then read again."""
    import cv2
    import numpy as np

    changed = np.asarray(difference.convert("L")) > 0  # [H, W] bool
    if not changed.any():
        return []
    # Parts join when their dilations touch; each region is then the exact extent of its changed pixels.
    joined = changed.astype(np.uint8)
    if gap > 1:
        joined = cv2.dilate(joined, np.ones((gap, gap), np.uint8))
    _, labels = cv2.connectedComponents(joined, connectivity=8)  # [H, W] int32
    ys, xs = np.nonzero(changed)
    part = labels[ys, xs]
    h, w = changed.shape
    boxes = []
    for k in np.unique(part):
        px, py = xs[part == k], ys[part == k]
        boxes.append((max(0, int(px.min()) - pad), max(0, int(py.min()) - pad),
                      min(w, int(px.max()) + 1 + pad), min(h, int(py.max()) + 1 + pad)))
    return merge_overlapping(boxes)


def content_region(image: Image.Image, pad: int = 16) -> Box | None:
    """The box around everything that differs from a flat desktop background, padded; None when the corners
    differ (no flat background) or the content fills most of the screen.

    A sandbox's root window is one colour and holds no text, so OCR need not read it: on a 1280x800 screen with
    one calculator window, the window is a tenth of the pixels the text detector would otherwise scan."""
    from PIL import Image, ImageChops

    rgb = image.convert("RGB")
    w, h = rgb.size
    corners = {rgb.getpixel(p) for p in ((0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1))}
    if len(corners) != 1:
        return None
    box = ImageChops.difference(rgb, Image.new("RGB", rgb.size, corners.pop())).getbbox()
    if box is None:
        return None
    box = (max(0, box[0] - pad), max(0, box[1] - pad), min(w, box[2] + pad), min(h, box[3] + pad))
    return box if (box[2] - box[0]) * (box[3] - box[1]) < 0.8 * w * h else None
