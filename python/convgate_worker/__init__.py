"""convgate's Python side: builds cases, computes references, runs the converter adapter."""
PROTOCOL_VERSION = 1
