"""A stand-in for perception.ocr.TextFinder in unit tests of screen reading: fixed lines, reads recorded."""

from __future__ import annotations


class FakeOcr:
    """Stands in for perception.ocr.TextFinder: fixed lines, records reads and their regions."""

    def __init__(self):
        self.reads = 0
        self.regions = []

    def read(self, screenshot, region=None):
        from perception.ocr import TextBox

        self.reads += 1
        self.regions.append(region)
        lines = [TextBox("Submit", (100, 100, 160, 120), 0.99), TextBox("7", (600, 400, 610, 420), 0.99)]
        if region is None:
            return lines
        return [t for t in lines if region[0] <= t.box[0] and t.box[2] <= region[2]
                and region[1] <= t.box[1] and t.box[3] <= region[3]]

    def read_boxes(self, screenshot, boxes):
        return []

    def close(self):
        pass
