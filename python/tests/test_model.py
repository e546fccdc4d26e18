"""Tests of the ampcf package on small model files written here (no dataset, no training):
    PYTHONPATH=python /usr/bin/python3 -m unittest discover -s python/tests
"""
import os
import tempfile
import unittest

import h5py
import numpy as np

from ampcf import AmpcfModel


def write_model(path, personas, rng, attention=True, fmt="ampcf-model", model="amp-cf"):
    """A model file as io/model_file.h lays it out: 4 items, 2 users, d = 3."""
    d, n_items, n_users = 3, 4, 2
    with h5py.File(path, "w") as f:
        f.attrs["format"] = fmt
        f.attrs["model"] = model
        f.attrs["personas"] = personas
        f.attrs["dim"] = d
        f["items/ids"] = np.array([10, 20, 30, 40], dtype=np.int64)
        f["items/embedding"] = rng.normal(size=(n_items, d)).astype(np.float32)
        f["items/bias"] = rng.normal(size=n_items).astype(np.float32)
        f["users/ids"] = np.array([7, 8], dtype=np.int64)
        f["users/personas"] = rng.normal(size=(n_users, personas, d)).astype(np.float32)
        if attention:
            f["attention/A_u"] = rng.normal(size=(d, d)).astype(np.float32)
            f["attention/A_v"] = rng.normal(size=(d, d)).astype(np.float32)


class AmpcfModelTest(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.folder.name, "model.h5")
        self.rng = np.random.default_rng(1)

    def tearDown(self):
        self.folder.cleanup()

    def test_scores_are_the_attention_weighted_persona_dots_plus_bias(self):
        write_model(self.path, personas=2, rng=self.rng)
        model = AmpcfModel(self.path)
        with h5py.File(self.path, "r") as f:
            u, v, b = f["users/personas"][1], f["items/embedding"][:], f["items/bias"][:]
            a_u, a_v = f["attention/A_u"][:], f["attention/A_v"][:]
        scores, attention = model.scores(user=8)
        for j in range(len(v)):
            logits = np.array([(u[k] @ a_u) @ (v[j] @ a_v) for k in range(2)], dtype=np.float64)
            a = np.exp(logits - logits.max())
            a /= a.sum()
            expected = sum(a[k] * (u[k] @ v[j]) for k in range(2)) + b[j]
            self.assertAlmostEqual(float(scores[j]), float(expected), places=4)
            np.testing.assert_allclose(attention[j], a, rtol=1e-5)

    def test_one_persona_is_matrix_factorisation(self):
        write_model(self.path, personas=1, rng=self.rng, attention=False)
        model = AmpcfModel(self.path)
        scores, attention = model.scores(user=7)
        with h5py.File(self.path, "r") as f:
            expected = f["items/embedding"][:] @ f["users/personas"][0, 0] + f["items/bias"][:]
        np.testing.assert_allclose(scores, expected, rtol=1e-5)
        np.testing.assert_array_equal(attention, np.ones((4, 1), dtype=np.float32))

    def test_recommend_leaves_out_seen_items_best_first(self):
        write_model(self.path, personas=2, rng=self.rng)
        model = AmpcfModel(self.path)
        scores, _ = model.scores(user=7)
        seen = [int(model.item_ids[np.argmax(scores)])]  # the best item, by its dataset id
        listed = model.recommend(user=7, top=10, seen=seen)
        self.assertEqual(len(listed), 3)
        self.assertNotIn(seen[0], [item for item, *_ in listed])
        listed_scores = [score for _, score, _, _ in listed]
        self.assertEqual(listed_scores, sorted(listed_scores, reverse=True))
        for item, score, persona, weight in listed:
            self.assertIn(persona, (0, 1))
            self.assertTrue(0.5 <= weight <= 1.0)  # the larger of two weights

    def test_users_are_found_by_id_text_and_unknown_users_are_named(self):
        write_model(self.path, personas=2, rng=self.rng)
        model = AmpcfModel(self.path)
        np.testing.assert_array_equal(model.personas_of(7), model.personas_of("7"))
        with self.assertRaisesRegex(KeyError, "no user 9"):
            model.personas_of(9)

    def test_other_files_are_refused(self):
        write_model(self.path, personas=2, rng=self.rng, fmt="ampcf-eval")
        with self.assertRaisesRegex(ValueError, "not an ampcf model file"):
            AmpcfModel(self.path)
        write_model(self.path, personas=2, rng=self.rng, model="neumf")
        with self.assertRaisesRegex(ValueError, "a neumf model"):
            AmpcfModel(self.path)


if __name__ == "__main__":
    unittest.main()
