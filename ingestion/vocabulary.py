"""Header vocabulary: canonical column <- headers seen in the field; proposes mappings."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from rapidfuzz import fuzz, process

from ingestion.contracts import DEALER_FEEDS, FEEDS
from ingestion.normalize import normalize_header, normalize_label
from ingestion.registry.schema import DialectProfile

# feeds.md "Header synonyms seen in the field" plus common English / DMS variants.
FIELD_SYNONYMS: dict[str, list[str]] = {
    "dealer_code": [
        "经销商代码",
        "服务站代码",
        "经销商编号",
        "网点代码",
        "dealer",
        "dealer code",
        "站点代码",
    ],
    "ro_no": ["工单号", "委托书号", "维修单号", "接车单号", "ro", "ro number", "repair order"],
    "vin": ["车架号", "VIN", "底盘号", "车辆识别代号", "车辆识别码", "vin code"],
    "arrived_at": [
        "进厂时间",
        "进站时间",
        "接车日期",
        "开单时间",
        "送修日期",
        "接车时间",
        "到店时间",
    ],
    "promised_at": ["约定交车时间", "预计完工时间", "预计交车时间", "承诺交车时间"],
    "qc_completed_at": ["完工审查时间", "完工检查时间", "完工日期", "质检时间"],
    "delivered_at": ["交车时间", "出厂时间", "实际交车时间"],
    "settled_at": ["结算时间", "结算日期"],
    "odometer_km": ["行驶里程", "进厂里程", "送修里程", "里程", "公里数", "mileage", "odometer"],
    "ro_category": ["维修类型", "维修类别", "修理种类", "工单类型"],
    "labour_amount": ["工时费", "修理费用", "工时金额", "labour", "labor"],
    "parts_amount": ["材料费", "配件费", "配件金额", "零件费", "parts"],
    "bearer": ["项目性质", "费用类别", "付费方", "承担方"],
    "invoice_date": ["开票日期", "发票日期", "购车日期", "销售日期"],
    "invoice_no": ["发票号", "发票号码", "发票编号"],
    "plate_no": ["车牌号", "牌照号", "车牌", "车牌号码", "plate"],
    "customer_phone": ["联系电话", "客户手机", "手机号", "客户电话", "手机", "phone", "mobile"],
    "total_amount": ["合计金额", "总金额", "结算金额", "应收金额", "total"],
    "discount_amount": ["优惠金额", "折扣金额", "减免金额", "discount"],
    "status": ["状态", "单据状态", "工单状态", "审核状态"],
    "survey_id": ["问卷编号", "回访单号", "回访编号"],
    "surveyed_at": ["回访时间", "回访日期", "调查日期"],
    "case_id": ["投诉单号", "投诉编号"],
    "received_at": ["受理时间", "登记时间", "投诉时间"],
    "claim_no": ["索赔单号", "索赔申请号", "索赔编号"],
    "registration_id": ["登记单号", "三包凭证号", "保修登记号"],
    "model_code": ["车型代码", "车型", "车型编码"],
}
# Headers that look alike but mean something else (feeds.md): never proposed.
FALSE_FRIENDS = {"结算单号", "结算方式"}


@dataclass(frozen=True)
class Proposal:
    header: str
    canonical: str | None
    confidence: float
    source: str  # exact | fuzzy | none | false_friend


@cache
def _builtin_dialects() -> tuple[DialectProfile, ...]:
    from pathlib import Path

    from ingestion.registry.loader import load_dialect

    folder = Path(__file__).parent / "config" / "dialects"
    return tuple(load_dialect(p) for p in sorted(folder.glob("*.yaml")))


def vocabulary(feed: str, extra: tuple[DialectProfile, ...] = ()) -> dict[str, str]:
    """normalised header -> canonical column for one feed."""
    allowed = set(FEEDS[feed].column_names)
    vocab: dict[str, str] = {c: c for c in allowed}
    for canonical, headers in FIELD_SYNONYMS.items():
        if canonical in allowed:
            for h in headers:
                vocab.setdefault(normalize_header(h), canonical)
    for profile in (*_builtin_dialects(), *extra):
        for header, canonical in profile.mapping_for(feed).columns.items():
            if canonical in allowed:
                vocab.setdefault(normalize_header(header), canonical)
    return vocab


def melt_vocabulary(feed: str) -> dict[str, str]:
    items: dict[str, str] = {}
    for profile in _builtin_dialects():
        melt = profile.mapping_for(feed).melt
        if melt:
            items.update({normalize_header(k): v for k, v in melt.items.items()})
        items.update(
            {normalize_header(k): v for k, v in profile.value_map(feed, "item_code").items()}
        )
    return items


def propose_mapping(headers: list[str], feed: str, threshold: float = 0.6) -> list[Proposal]:
    """Best canonical column per header with a confidence in [0, 1]; each target used once."""
    vocab = vocabulary(feed)
    keys = list(vocab)
    candidates: list[tuple[float, int, str, str]] = []
    results: dict[int, Proposal] = {}
    for i, raw in enumerate(headers):
        h = normalize_header(raw)
        if not h:
            results[i] = Proposal(raw, None, 0.0, "none")
            continue
        if h in FALSE_FRIENDS:
            results[i] = Proposal(raw, None, 0.0, "false_friend")
            continue
        if h in vocab:
            candidates.append((1.0, i, vocab[h], "exact"))
            continue
        for key, score, _ in process.extract(h, keys, scorer=fuzz.WRatio, limit=3):
            if score / 100 >= threshold:
                candidates.append((round(score / 100, 2), i, vocab[key], "fuzzy"))
    used: set[str] = set()
    for score, i, canonical, source in sorted(candidates, key=lambda c: -c[0]):
        if i in results or canonical in used:
            continue
        results[i] = Proposal(headers[i], canonical, score, source)
        used.add(canonical)
    return [results.get(i, Proposal(h, None, 0.0, "none")) for i, h in enumerate(headers)]


def guess_feed(headers: list[str]) -> tuple[str, float]:
    """The feed whose vocabulary covers the most headers (and the covered share)."""
    best, best_score = DEALER_FEEDS[0], -1.0
    for feed in DEALER_FEEDS:
        proposals = propose_mapping(headers, feed, threshold=0.9)
        required = set(FEEDS[feed].required)
        hits = {p.canonical for p in proposals if p.canonical}
        score = len(hits & required) / max(len(required), 1) + 0.01 * len(hits)
        if score > best_score:
            best, best_score = feed, score
    return best, best_score


def label_vocabulary(feed: str, column: str) -> dict[str, str]:
    """normalised value label -> canonical code of one enum column, from the shipped dialects'
    value maps (so 已結算 and 已结算 both propose `settled`)."""
    labels: dict[str, str] = {}
    for profile in _builtin_dialects():
        for label, code in profile.value_map(feed, column).items():
            labels.setdefault(normalize_label(label), code)
    return labels
