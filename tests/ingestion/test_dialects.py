"""The shipped dialect profiles on hand-made files: GBK CSV and the Excel report."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
from ing_lake import landed, ledger, quarantine, rules_by_row
from ing_network import Network

from ingestion.shard import ingest_files

HUAYU_RO = [
    "经销商代码",
    "工单号",
    "车架号",
    "车牌号",
    "行驶里程",
    "进厂时间",
    "预计交车时间",
    "完工检查时间",
    "交车时间",
    "结算时间",
    "工单状态",
    "维修类型",
    "项目性质",
    "预约时间",
    "服务顾问",
    "联系电话",
    "工时费",
    "材料费",
    "其他费用",
    "优惠金额",
    "合计金额",
    "欠收金额",
    "配件成本",
]


def _huayu_row(n: int) -> list[str]:
    return [
        "D002",
        f"HY{n:04d}",
        "11111111111111111",
        "粤B12345",
        "12,345公里",
        "2024年3月5日 9时05分",
        "2024年3月5日 17时00分",
        "2024年3月5日 15时00分",
        "2024年3月5日 16时30分",
        "2024年3月5日 16时40分",
        "已结算",
        "首保",
        "免保",
        "",
        "王伟",
        "138-0013-8000",
        "1,280.00元",
        "0.00元",
        "0元",
        "0元",
        "1,280.00元",
        "0元",
        "300.00元",
    ]


def test_huayu_gbk_csv(network: Network) -> None:
    rows = [_huayu_row(i) for i in range(1, 31)]
    rows[4][10] = "已撤销"  # unknown status label
    text = (
        "\n".join(",".join(f'"{c}"' if "," in c else c for c in r) for r in [HUAYU_RO, *rows])
        + "\n"
    )
    rel = network.write("D002/repair_orders/2024-03.csv", text.encode("gbk"))
    ingest_files(network.settings, [rel])
    entry = ledger(network.settings).iloc[-1]
    assert entry["status"] == "loaded" and entry["dialect"] == "huayu_gbk_csv"
    out = landed(network.settings, "repair_orders", "D002", "2024-03").iloc[0]
    assert out["odometer_km"] == 12345
    assert out["arrived_at"] == pd.Timestamp("2024-03-05 09:05")
    assert out["status"] == "settled" and out["ro_category"] == "first_maintenance"
    assert out["bearer"] == "oem_free"
    assert float(out["total_amount"]) == 1280.0 and float(out["parts_cost"]) == 300.0
    assert out["customer_phone_masked"] == "138****8000"
    q = quarantine(network.settings, "repair_orders", "D002", "2024-03")
    assert rules_by_row(q) == {5: "unknown_category"}
    assert "已撤销" in q.iloc[0]["reason"]


def _xlsx(rows: list[list[object]]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    for row in ws.iter_rows(min_row=3):
        for cell in row:
            if isinstance(cell.value, dt.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_jinqiao_wide_survey_excel(network: Network) -> None:
    header = [
        "服务站代码",
        "回访单号",
        "委托书号",
        "底盘号",
        "回访日期",
        "总体满意度",
        "服务顾问",
        "设施环境",
        "维修质量",
        "交车服务",
        "服务启动",
    ]
    body = [
        [
            "D003",
            f"SV{i}",
            f"RO{i}",
            "11111111111111111",
            dt.datetime(2024, 3, 5, 10, 0, 40),
            5,
            4,
            None,
            5,
            3,
            4,
        ]
        for i in range(1, 11)
    ]
    body[2][6] = 6  # above the 1-5 scale of this report
    data = _xlsx(
        [
            ["三号店 客户满意度回访明细 2024年03月"],
            header,
            *body,
            ["合计", None, None, None, None, 50, 40, None, 50, 30, 40],
        ]
    )
    rel = network.write("D003/survey_responses/2024-03.xlsx", data)
    ingest_files(network.settings, [rel])
    entry = ledger(network.settings).iloc[-1]
    assert entry["dialect"] == "jinqiao_xlsx_report"
    assert entry["rows_read"] == 50  # 10 rows x 5 answered items (blank item = not asked)
    out = landed(network.settings, "survey_responses", "D003", "2024-03")
    assert set(out["item_code"]) == {"overall", "advisor", "quality", "pickup", "initiation"}
    assert (out["scale_min"] == 1).all() and (out["scale_max"] == 5).all()
    assert (out["surveyed_at"] == pd.Timestamp("2024-03-05 10:01")).all()  # rounded minute
    q = quarantine(network.settings, "survey_responses", "D003", "2024-03")
    assert rules_by_row(q) == {3: "score_out_of_scale"}
    # 1 of 50 rows quarantined = 2%: the file loads
    assert entry["status"] == "loaded"
