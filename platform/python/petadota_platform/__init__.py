"""The platform's bottom layer for Python: the one declaration of every setting and the Temporal
contracts, read the same way as the TypeScript side reads them (``platform/``, ``contracts/``).
Shared by the Spark job, the Airflow bridge and the local stack."""
