"""feed_ingestion: dealer DMS exports in the inbox -> landed/quarantined Parquet in the lake.

land dealer master -> plan shards -> ingest_shard (mapped, one task per shard of dealers)
-> export control tables -> announce the feeds this run landed or replaced (one Asset event
each, through an alias; none when nothing changed, so warehouse_build does not run) and
build the Great Expectations Data Docs.

Re-running a run or a shard is safe: planning leaves out files untouched since their last
run, ingestion skips files whose content hash is already loaded and replaces a (feed,
dealer, period) partition atomically on a resend.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import Param, dag, task

from orchestration.assets import LANDED_ALIAS, LANDED_ASSETS
from orchestration.task_policy import dag_settings

OVERRIDE = ["null", "string"]


@dag(
    dag_id="feed_ingestion",
    schedule="0 2 * * *",
    params={
        "inbox": Param(None, type=OVERRIDE, description="Inbox folder (default: settings)."),
        "dealer_master": Param(None, type=OVERRIDE, description="dealers.csv (default: settings)."),
        "dealers_per_shard": Param(
            None, type=["null", "integer"], minimum=1, description="Dealers per mapped task."
        ),
    },
    doc_md=__doc__,
    **dag_settings("ingestion"),
)
def feed_ingestion() -> None:
    @task
    def land_dealer_master(params: dict[str, Any] | None = None) -> dict[str, Any]:
        from airflow.sdk.exceptions import AirflowFailException

        from ingestion.pipeline import land_dealer_master as land
        from orchestration.task_support import WorkTimer, load_settings

        settings = load_settings(_overrides(params))
        master = settings.dealer_master
        if not master.exists():
            raise AirflowFailException(f"dealer master not found: {master}")
        with WorkTimer("land_dealer_master"):
            return land(settings)

    @task
    def plan_shards(
        master: dict[str, Any], params: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        from airflow.sdk.exceptions import AirflowFailException

        from ingestion.pipeline import plan_ingestion
        from orchestration.task_support import WorkTimer, load_settings

        settings = load_settings(_overrides(params))
        inbox = settings.inbox
        if not inbox.is_dir():
            raise AirflowFailException(f"inbox folder not found: {inbox}")
        with WorkTimer("plan_shards"):
            per_shard = (params or {}).get("dealers_per_shard")
            shards, untouched = plan_ingestion(settings, dealers_per_shard=per_shard)
        files = sum(len(shard.get("files", [])) for shard in shards)
        print(
            f"{master['dealers']} dealers in master; {files} files in {len(shards)} shards; "
            f"{untouched} files untouched since their last run"
        )
        return shards

    @task(map_index_template="{{ shard_label }}")
    def ingest_shard(
        shard: dict[str, Any],
        params: dict[str, Any] | None = None,
        run_id: str | None = None,
    ) -> dict[str, Any]:
        from airflow.sdk import get_current_context

        from ingestion.pipeline import ingest_shard as ingest
        from orchestration.task_support import WorkTimer, as_json_dict, load_settings

        dealers = shard.get("dealer_codes", [])
        label = (
            f"{shard.get('shard_id')}: {len(dealers)} dealers, {len(shard.get('files', []))} files"
        )
        get_current_context()["shard_label"] = label  # type: ignore[typeddict-unknown-key]
        settings = load_settings(_overrides(params))
        with WorkTimer(f"ingest_shard {shard.get('shard_id')}") as timer:
            summary = as_json_dict(ingest(shard, settings, run_id=run_id))
        summary.setdefault("shard_id", shard.get("shard_id"))
        summary["work_seconds"] = timer.seconds
        return summary

    @task(trigger_rule="all_done")
    def export_control_tables(params: dict[str, Any] | None = None) -> None:
        from ingestion.pipeline import export_control_tables as export
        from orchestration.task_support import WorkTimer, load_settings

        with WorkTimer("export_control_tables"):
            export(load_settings(_overrides(params)))

    @task
    def build_data_docs(params: dict[str, Any] | None = None) -> str:
        """Great Expectations Data Docs for the latest gate results, readable offline."""
        from ingestion.quality.data_docs import build_data_docs as build
        from orchestration.task_support import WorkTimer, load_settings

        with WorkTimer("build_data_docs"):
            site = build(load_settings(_overrides(params)).lake)
        print(f"Data Docs: {site}")
        return str(site)

    # none_failed: a run with nothing new to ingest maps no shard (skipped), and a changed
    # dealer master must still be announced
    @task(outlets=[LANDED_ALIAS], trigger_rule="none_failed")
    def announce_landed(
        summaries: list[dict[str, Any]], master: dict[str, Any], outlet_events: Any = None
    ) -> dict[str, Any]:
        from orchestration.task_support import changed_feeds, sum_numeric

        # The mapped results arrive as a lazy sequence; iterating it probes one offset past
        # the end, which the Task SDK logs as an "XCom not found" error. Read each shard's
        # result by index within the sequence's length instead, once.
        results = [summaries[i] for i in range(len(summaries))]
        totals = sum_numeric(results)
        totals["shards"] = len(results)
        changed = changed_feeds(results, master_changed=bool(master.get("changed")))
        if outlet_events is not None:
            for feed in changed:
                outlet_events[LANDED_ALIAS].add(LANDED_ASSETS[feed], extra={"totals": totals})
        print(f"landed: {totals}; changed feeds: {', '.join(changed) or 'none'}")
        return {**totals, "feeds_changed": changed}

    master = land_dealer_master()
    shards = plan_shards(master)
    summaries = ingest_shard.expand(shard=shards)
    exported = export_control_tables()
    summaries >> exported
    exported >> [announce_landed(summaries, master), build_data_docs()]


def _overrides(params: dict[str, Any] | None) -> dict[str, Any]:
    params = params or {}
    return {key: params.get(key) for key in ("inbox", "dealer_master")}


feed_ingestion()
