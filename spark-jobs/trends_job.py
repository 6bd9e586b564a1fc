"""Entry file for spark-submit: `spark-submit [options] spark-jobs/trends_job.py` (see README).
spark-submit runs a file, not a module; from here the package is importable, and so is the
platform's settings package beside it in the repository."""

import sys
from pathlib import Path

sys.path.insert(1, str(Path(__file__).resolve().parents[1] / "platform" / "python"))

# After the path it needs.
from petadota_trends.job import main

if __name__ == "__main__":
    sys.exit(main())
