"""One dtype table; numpy inputs; the on-disk format keeps shapes (also 0-d) and bytes."""
import json
import os
import tempfile
import unittest

import numpy as np

from convgate_worker import dtypes, tensors


class DtypeTableTest(unittest.TestCase):
    def test_names_round_trip_through_numpy(self):
        for name in dtypes.NAMES:
            self.assertEqual(dtypes.name_of(dtypes.numpy_dtype(name)), name)

    def test_framework_dtype_names(self):
        self.assertEqual(dtypes.name_of("torch.float32"), "float32")
        self.assertEqual(dtypes.name_of("<dtype: 'int64'>"), "int64")
        with self.assertRaisesRegex(TypeError, "bfloat16"):
            dtypes.name_of("torch.bfloat16")


class NumpyInputsTest(unittest.TestCase):
    CASE = {
        "seed": 3,
        "inputs": [
            {"name": "x", "dtype": "float32", "shape": [2, 3], "range": [-2.0, 2.0]},
            {"name": "ids", "dtype": "int64", "shape": [4], "range": [5, 9]},
            {"name": "m", "dtype": "bool", "shape": [5]},
        ],
        "inputSets": [{"x": [1, 3]}],
    }

    def test_seeded_ranged_and_shaped(self):
        a = tensors.make_numpy_input_sets(self.CASE)
        b = tensors.make_numpy_input_sets(self.CASE)
        self.assertEqual([[t.shape for t in s] for s in a], [[(2, 3), (4,), (5,)], [(1, 3), (4,), (5,)]])
        self.assertTrue(all(np.array_equal(x, y) for s, t in zip(a, b) for x, y in zip(s, t)))
        x, ids, m = a[0]
        self.assertTrue(((x >= -2) & (x < 2)).all() and x.dtype == np.float32)
        self.assertTrue(((ids >= 5) & (ids < 9)).all() and ids.dtype == np.int64)
        self.assertEqual(m.dtype, np.bool_)

    def test_write_sets_keeps_scalars_and_bytes(self):
        d = tempfile.mkdtemp()
        scalar = np.array(2.5, dtype=np.float32)
        tensors.write_sets(d, ["x"], ["y"], [[np.arange(6, dtype=np.int32).reshape(2, 3)]], [[scalar]])
        manifest = json.load(open(os.path.join(d, "tensors", "tensors.json")))
        self.assertEqual(manifest["sets"][0]["outputs"][0]["shape"], [])
        self.assertEqual(manifest["sets"][0]["inputs"][0]["dtype"], "int32")
        raw = np.fromfile(os.path.join(d, "tensors", "set0", "in_0.bin"), dtype="<i4")
        self.assertEqual(raw.tolist(), list(range(6)))


if __name__ == "__main__":
    unittest.main()
