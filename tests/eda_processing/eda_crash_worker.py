"""The processor as a separate process, for the crash test: processes everything pending.

    python eda_crash_worker.py <database-url>

Prints "started" once it is connected, so the test knows when to count.
"""

from __future__ import annotations

import sys

from eda_processing_support import open_context

from meshkit.adapters.eda.processing import process_pending


def main() -> None:
    ctx = open_context(sys.argv[1])
    print("started", flush=True)
    report = process_pending(ctx, batch=50)
    print(f"done {report.processed} {report.quarantined}", flush=True)


if __name__ == "__main__":
    main()
