"""Image files that come from outside the process (recorded screenshots, datasets), read with one kind of error.

Pillow reports a broken file through many exception types, some only when the pixels are decoded (a truncated
PNG raises OSError, a corrupt chunk SyntaxError, bad compressed data zlib.error). These functions turn all of
them into a ValueError naming the file, which callers translate into their own error (TrajectoryError,
DatasetError), and decode in full where they read, so nothing fails later halfway through a replay or an evaluation.
"""

from __future__ import annotations

import struct
import warnings
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import Image

# What Pillow raises on a file that is not a (whole, sane) image; a decompression bomb is one too.
IMAGE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, struct.error, zlib.error, Image.DecompressionBombError,
                Image.DecompressionBombWarning)


def read_image(path: str | Path, mode: str = "RGB") -> Image.Image:
    """The image at `path`, decoded in full and converted to `mode`; ValueError saying why it cannot be read."""
    with _opened(path) as image:
        return image.convert(mode)  # decodes: a broken file fails here, not in the caller's loop


def check_image(path: str | Path) -> tuple[int, int]:
    """(width, height) of the image at `path` after reading its header and checking its data (PNG checksums
    included) without decoding the pixels; ValueError saying why it is not an image."""
    with _opened(path) as image:
        size = image.size
        image.verify()
        return size


@contextmanager
def _opened(path: str | Path) -> Iterator[Image.Image]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)  # a screen is never ~90 M pixels
            with Image.open(path) as image:
                yield image
    except FileNotFoundError:
        raise ValueError(f"{str(path)!r} does not exist") from None
    except IsADirectoryError:
        raise ValueError(f"{str(path)!r} is a directory, not an image") from None
    except IMAGE_ERRORS as e:
        raise ValueError(f"{str(path)!r} is not a readable image: {e}") from None
