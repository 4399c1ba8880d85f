"""Localizing a failure: where a converted model diverges from PyTorch (probe), which submodule
alone reproduces it (submodule), and the standalone reproducer of a bundle (repro.py)."""
