"""The worker's clean-up after a case (main.serve): a full collection + malloc_trim when the worker
has grown CLEANUP_GROWTH_MB past its size after the last clean-up -- not after every case once it
stays above its start-up size (a collection costs ~0.25-0.5 s with everything loaded: 180 s of CPU
over a default run when it ran after each case; docs/performance.md)."""
import gc
import unittest
from types import SimpleNamespace
from unittest import mock

from convgate_worker import main, runner


class FakeChannel:
    def __init__(self, cases):
        self.cases = cases
        self.sent = []

    def requests(self):
        for i in range(self.cases):
            yield {"type": "convert", "id": "c%d" % i}

    def send(self, message):
        self.sent.append(message)


class CleanupTest(unittest.TestCase):
    def serve(self, sizes):
        """Runs len(sizes) - 1 cases; sizes[0] is the start-up size, sizes[i] the size after case
        i (a clean-up leaves the size as it is: the live objects are not garbage). Returns the
        cases after which the worker collected."""
        current = {"mb": sizes[0]}
        after = iter(sizes[1:])

        class FakeRunner:
            def __init__(self, *args, **kwargs):
                pass

            def convert(self, request):
                current["mb"] = next(after)
                return {"type": "result", "id": request["id"], "ok": True}

        collected = []

        channel = FakeChannel(len(sizes) - 1)
        with mock.patch.object(main, "resident_mb", side_effect=lambda: current["mb"]), mock.patch.object(
            runner, "CaseRunner", FakeRunner
        ), mock.patch.object(gc, "collect", side_effect=lambda *a: collected.append(len(channel.sent)) or 0), mock.patch.object(
            main, "_malloc_trim"
        ):
            main.serve(channel, SimpleNamespace(converter="fake"), None, {"frontends": ["torch"]}, None)
        self.assertEqual(len(channel.sent), len(sizes) - 1)
        return collected

    def test_the_collector_runs_less_often_in_a_worker(self):
        before = gc.get_threshold()
        try:
            gc.set_threshold(700, 10, 10)
            self.serve([300, 310])
            self.assertEqual(gc.get_threshold(), (main.GC_THRESHOLD0, 10, 10))
        finally:
            gc.set_threshold(*before)

    def test_no_growth_no_cleanup(self):
        self.assertEqual(self.serve([300, 310, 320, 330]), [])

    def test_cleans_once_after_growth_then_not_while_the_size_holds(self):
        # grows 200 MiB in the first case (cleans), then stays there: no further collections
        cleaned = self.serve([300, 500, 500, 505, 510, 500])
        self.assertEqual(cleaned, [0])

    def test_cleans_again_after_new_growth_past_the_last_cleanup(self):
        cleaned = self.serve([300, 500, 500, 600, 640, 640])
        self.assertEqual(cleaned, [0, 3])


if __name__ == "__main__":
    unittest.main()
