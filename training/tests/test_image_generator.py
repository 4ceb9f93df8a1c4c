"""The scene generator: boxes and masks agree and lie inside the image, classes are balanced, and
the same seed gives the same scenes.

    cd training && /usr/bin/python3 -m unittest tests.test_image_generator -v
"""

import sys
import unittest
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cityassist_training.image.generator import (  # noqa: E402
    CLASSES,
    DISTRACTORS,
    Style,
    generate,
    render_scene,
    scene_rng,
    stack,
)

SIZE = 128


class GeneratorTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.scenes = generate(48, seed=11, split="test", size=SIZE)

    def test_images_are_rgb_uint8_of_the_requested_size(self):
        for s in self.scenes:
            self.assertEqual(s.image.shape, (SIZE, SIZE, 3))
            self.assertEqual(s.image.dtype, np.uint8)
            self.assertEqual(s.mask.shape, (SIZE, SIZE))
        small = render_scene("pothole", scene_rng(1, "test", 0), size=96)
        self.assertEqual(small.image.shape, (96, 96, 3))

    def test_object_boxes_lie_inside_the_image_and_bound_the_mask(self):
        for s in self.scenes:
            if s.label == "other":
                self.assertIsNone(s.box)
                self.assertFalse(s.mask.any())
                continue
            self.assertIsNotNone(s.box, s.label)
            x0, y0, x1, y1 = s.box
            self.assertTrue(0 <= x0 < x1 <= SIZE and 0 <= y0 < y1 <= SIZE, s.box)
            ys, xs = np.nonzero(s.mask)
            self.assertEqual((xs.min(), ys.min(), xs.max() + 1, ys.max() + 1), s.box)
            # Visible enough to be learnable: at least 20 object pixels.
            self.assertGreaterEqual(int(s.mask.sum()), 20, s.label)

    def test_distractor_boxes_lie_inside_the_image(self):
        seen = set()
        for s in self.scenes:
            for d in s.distractors:
                seen.add(d["kind"])
                self.assertIn(d["kind"], DISTRACTORS)
                x0, y0, x1, y1 = d["box"]
                self.assertTrue(0 <= x0 < x1 <= SIZE and 0 <= y0 < y1 <= SIZE, d)
        self.assertGreaterEqual(len(seen), 4, f"too few kinds of hard negative drawn: {seen}")

    def test_classes_are_balanced(self):
        _, labels = stack(self.scenes)
        self.assertEqual(np.bincount(labels, minlength=len(CLASSES)).tolist(), [12, 12, 12, 12])
        odd = [s.label for s in generate(10, seed=3, split="train", size=64)]
        counts = [odd.count(c) for c in CLASSES]
        self.assertLessEqual(max(counts) - min(counts), 1)

    def test_same_seed_same_scenes(self):
        again = generate(8, seed=11, split="test", size=SIZE)
        for a, b in zip(self.scenes[:8], again):
            np.testing.assert_array_equal(a.image, b.image)
            np.testing.assert_array_equal(a.mask, b.mask)
            self.assertEqual(a.box, b.box)
            self.assertEqual(a.distractors, b.distractors)
            self.assertEqual(a.params, b.params)

    def test_scene_does_not_depend_on_how_many_are_drawn(self):
        # Scene i is a function of (seed, split, i): a bigger set extends a smaller one.
        prefix = generate(3, seed=11, split="test", size=SIZE)
        for a, b in zip(prefix, self.scenes):
            np.testing.assert_array_equal(a.image, b.image)

    def test_other_seeds_and_splits_give_other_scenes(self):
        other_seed = generate(4, seed=12, split="test", size=SIZE)
        other_split = generate(4, seed=11, split="train", size=SIZE)
        for a, b, c in zip(self.scenes, other_seed, other_split):
            self.assertFalse(np.array_equal(a.image, b.image))
            self.assertFalse(np.array_equal(a.image, c.image))

    def test_shifted_styles_render_and_night_is_darker(self):
        day = np.mean([s.image.mean() for s in self.scenes[:16]])
        night = generate(16, seed=11, split="shift", size=SIZE, style=Style("night"))
        self.assertLess(np.mean([s.image.mean() for s in night]), day * 0.7)
        for surface in ("concrete", "red_asphalt"):
            for s in generate(4, seed=11, split="shift", size=SIZE, style=Style("day", surface)):
                self.assertEqual(s.params["style"]["surface"], surface)
                if s.label != "other":
                    self.assertIsNotNone(s.box)

    def test_bad_arguments_are_refused(self):
        with self.assertRaises(ValueError):
            render_scene("bicycle", scene_rng(1, "test", 0))
        with self.assertRaises(ValueError):
            Style(lighting="dawn")


if __name__ == "__main__":
    unittest.main()
