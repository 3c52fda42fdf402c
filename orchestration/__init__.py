"""Airflow support for the DAGs in dags/: assets, retry and failure policy, alerts, task helpers,
the freshness and Superset-cache tasks, and an in-process runner of the DAGs.

Modules imported at DAG parse time (assets, task_policy) stay light; everything heavy is
imported inside the task functions.
"""
