"""The Airflow bridge's link to Temporal: the contract names, the connection settings, and one
function per DAG task. DAG files import these modules inside their tasks only; ``contracts``,
``settings`` and ``tables`` never import ``temporalio``, so parsing a DAG opens no connection."""
