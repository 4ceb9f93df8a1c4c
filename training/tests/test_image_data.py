"""Preprocessing and the labelled-folder loader, including the bad input it must survive.

    cd training && /usr/bin/python3 -m unittest tests.test_image_data -v
"""

import io
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cityassist_training.image.data import (  # noqa: E402
    MEAN,
    STD,
    decode,
    load_folder,
    normalise,
    stratified_split,
)
from cityassist_training.image.generator import CLASSES, generate  # noqa: E402


def _jpeg(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def _png(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    return buf.getvalue()


class NormaliseTest(unittest.TestCase):
    def test_documented_formula_and_layout(self):
        px = np.random.default_rng(0).integers(0, 256, (2, 8, 8, 3), dtype=np.uint8)
        x = normalise(px)
        self.assertEqual(x.shape, (2, 3, 8, 8))
        self.assertEqual(x.dtype, np.float32)
        expected = (px[1, 3, 5, 2] / 255.0 - MEAN[2]) / STD[2]
        self.assertAlmostEqual(float(x[1, 2, 3, 5]), expected, places=5)

    def test_refuses_float_or_grey_input(self):
        with self.assertRaises(ValueError):
            normalise(np.zeros((1, 8, 8, 3), np.float32))
        with self.assertRaises(ValueError):
            normalise(np.zeros((1, 8, 8), np.uint8))


class DecodeTest(unittest.TestCase):
    def test_any_mode_becomes_rgb_of_the_model_size(self):
        grey = Image.new("L", (40, 30), 100)
        rgba = Image.new("RGBA", (50, 20), (10, 20, 30, 0))  # fully transparent: white
        for im, expect in ((grey, (100, 100, 100)), (rgba, (255, 255, 255))):
            buf = io.BytesIO()
            im.save(buf, format="PNG")
            out = decode(io.BytesIO(buf.getvalue()), 16)
            self.assertEqual(out.shape, (16, 16, 3))
            self.assertEqual(tuple(out[8, 8]), expect)

    def test_exif_orientation_is_applied(self):
        im = Image.new("RGB", (40, 20), (255, 0, 0))
        im.paste((0, 0, 255), (0, 0, 20, 20))  # left half blue
        exif = Image.Exif()
        exif[0x0112] = 6  # "rotate 90 CW to display"
        buf = io.BytesIO()
        im.save(buf, format="JPEG", exif=exif.tobytes(), quality=95)
        out = decode(io.BytesIO(buf.getvalue()), 16)
        # Displayed upright, the blue half is on top.
        self.assertGreater(out[2, 8, 2], 200)
        self.assertLess(out[13, 8, 2], 60)

    def test_unusable_files_raise_value_error_with_a_reason(self):
        good = _jpeg(np.full((32, 32, 3), 120, np.uint8))
        for data in (
            b"",
            b"not an image at all",
            good[: len(good) // 2],
            _png(np.zeros((4, 4, 3), np.uint8)),
        ):
            with self.assertRaises(ValueError):
                decode(io.BytesIO(data), 16)


class FolderTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = Path(self.tmp.name)
        self.scenes = generate(24, seed=5, split="train", size=64)
        for i, s in enumerate(self.scenes):
            folder = self.root / s.label.replace("_", "-").title()  # "Fallen-Tree": names are normalised
            folder.mkdir(exist_ok=True)
            (folder / f"{i}.{'jpg' if i % 2 else 'png'}").write_bytes(
                _jpeg(s.image) if i % 2 else _png(s.image)
            )

    def tearDown(self):
        self.tmp.cleanup()

    def test_reads_every_class_and_records_lineage(self):
        fd = load_folder(self.root, CLASSES, 32)
        self.assertEqual(fd.images.shape, (24, 32, 32, 3))
        self.assertEqual(fd.counts, {c: 6 for c in CLASSES})
        self.assertEqual(len(fd.digest), 64)
        self.assertEqual(load_folder(self.root, CLASSES, 32).digest, fd.digest)

    def test_unreadable_files_are_skipped_and_counted(self):
        pothole = self.root / "Pothole"
        (pothole / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0garbage")
        (pothole / "text.png").write_bytes(b"hello, I am a text file")
        good = _jpeg(self.scenes[0].image)
        (pothole / "truncated.jpg").write_bytes(good[: len(good) // 3])
        (pothole / "notes.txt").write_text("not an image")
        (self.root / "README.md").write_text("stray file")
        fd = load_folder(self.root, CLASSES, 32)
        self.assertEqual(fd.counts["pothole"], 6)
        self.assertEqual(
            sorted(s["file"] for s in fd.skipped),
            ["Pothole/broken.jpg", "Pothole/text.png", "Pothole/truncated.jpg"],
        )
        self.assertEqual(sorted(fd.ignored), ["Pothole/notes.txt", "README.md"])

    def test_duplicates_kept_once_and_conflicts_dropped(self):
        src = next(self.root.glob("Pothole/*"))
        (self.root / "Pothole" / "copy.png").write_bytes(src.read_bytes())
        conflict = next(self.root.glob("Garbage/*"))
        (self.root / "Other" / "mislabelled.png").write_bytes(conflict.read_bytes())
        fd = load_folder(self.root, CLASSES, 32)
        self.assertEqual(fd.counts["pothole"], 6)
        self.assertEqual(fd.counts["garbage"], 5)
        self.assertEqual(fd.counts["other"], 6)
        self.assertEqual(len(fd.skipped), 3)

    def test_unknown_label_folder_is_an_error_unless_skipped(self):
        (self.root / "graffiti").mkdir()
        (self.root / "graffiti" / "x.png").write_bytes(_png(self.scenes[0].image))
        with self.assertRaisesRegex(ValueError, "graffiti"):
            load_folder(self.root, CLASSES, 32)
        fd = load_folder(self.root, CLASSES, 32, unknown_labels="skip")
        self.assertEqual(fd.unknown_labels, ["graffiti"])
        self.assertEqual(len(fd.labels), 24)

    def test_empty_or_missing_class_is_an_error(self):
        for f in (self.root / "Garbage").iterdir():
            f.unlink()
        with self.assertRaisesRegex(ValueError, "garbage"):
            load_folder(self.root, CLASSES, 32)
        (self.root / "Garbage").rmdir()
        with self.assertRaisesRegex(ValueError, "garbage"):
            load_folder(self.root, CLASSES, 32)

    def test_not_a_directory(self):
        with self.assertRaises(ValueError):
            load_folder(self.root / "nope", CLASSES, 32)


class SplitTest(unittest.TestCase):
    def test_stratified_disjoint_and_complete(self):
        labels = np.repeat(np.arange(4), [10, 7, 20, 5])
        tr, va, te = stratified_split(labels, (0.15, 0.15), seed=1)
        self.assertEqual(sorted(np.concatenate([tr, va, te]).tolist()), list(range(len(labels))))
        for part in (tr, va, te):
            self.assertEqual(sorted(set(labels[part].tolist())), [0, 1, 2, 3])
        again = stratified_split(labels, (0.15, 0.15), seed=1)
        for a, b in zip((tr, va, te), again):
            np.testing.assert_array_equal(a, b)

    def test_too_few_to_split(self):
        with self.assertRaises(ValueError):
            stratified_split(np.array([0, 0, 1, 1, 1]), (0.15, 0.15), seed=1)


if __name__ == "__main__":
    unittest.main()
