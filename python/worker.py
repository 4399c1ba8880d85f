"""Entry point of a convgate converter worker.

Started by convgate as `<python> worker.py [--adapter NAME]` with the environment of the
converter build under test (PYTHONPATH, interpreter): never add -I/-E/-S here.
Requests arrive as JSON lines on stdin; replies go as JSON lines to file descriptor 3,
so whatever the converter prints on stdout cannot corrupt the protocol.
"""
import sys

from convgate_worker.main import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
