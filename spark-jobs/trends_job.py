"""Entry file for spark-submit: `spark-submit [options] spark-jobs/trends_job.py` (see README).
spark-submit runs a file, not a module; from here the package is importable."""

import sys

from petadota_trends.job import main

if __name__ == "__main__":
    sys.exit(main())
