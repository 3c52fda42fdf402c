"""The three DMS dialects: headers and value labels (docs/architecture.md)."""

from __future__ import annotations

DIALECT_OF_VENDOR = {
    "oem_dms": "canonical_csv",
    "huayu_dms": "huayu_gbk_csv",
    "jinqiao_xlsx": "jinqiao_xlsx_report",
}

# canonical column -> (huayu header, jinqiao header), per feed
_COMMON = {"dealer_code": ("经销商代码", "服务站代码")}
HEADERS: dict[str, dict[str, tuple[str, str]]] = {
    "vehicle_sales": {
        **_COMMON,
        "vin": ("车架号", "车辆识别代号"),
        "model_code": ("车型代码", "车型"),
        "invoice_no": ("发票号", "发票号码"),
        "invoice_date": ("开票日期", "购车日期"),
        "delivery_date": ("交车日期", "交付日期"),
        "buyer_type": ("客户类型", "购买者类型"),
        "use_type": ("使用性质", "车辆用途"),
        "sale_type": ("销售类型", "销售方式"),
        "status": ("状态", "单据状态"),
        "cancel_date": ("退车日期", "退车日期"),
    },
    "repair_orders": {
        **_COMMON,
        "ro_no": ("工单号", "委托书号"),
        "vin": ("车架号", "底盘号"),
        "plate_no": ("车牌号", "牌照号"),
        "odometer_km": ("行驶里程", "进厂里程"),
        "arrived_at": ("进厂时间", "开单时间"),
        "promised_at": ("预计交车时间", "约定交车时间"),
        "qc_completed_at": ("完工检查时间", "完工审查时间"),
        "delivered_at": ("交车时间", "出厂时间"),
        "settled_at": ("结算时间", "结算日期"),
        "status": ("工单状态", "单据状态"),
        "ro_category": ("维修类型", "维修类别"),
        "bearer": ("项目性质", "费用类别"),
        "appointment_at": ("预约时间", "预约到店时间"),
        "advisor_id": ("服务顾问", "接待员"),
        "customer_phone": ("联系电话", "客户手机"),
        "labour_amount": ("工时费", "修理费用"),
        "parts_amount": ("材料费", "配件费"),
        "other_amount": ("其他费用", "其他费"),
        "discount_amount": ("优惠金额", "折扣金额"),
        "total_amount": ("合计金额", "总金额"),
        "uncollected_amount": ("欠收金额", "欠款"),
        "parts_cost": ("配件成本", "材料成本"),
    },
    "warranty_registrations": {
        **_COMMON,
        "registration_id": ("登记单号", "三包凭证号"),
        "vin": ("车架号", "底盘号"),
        "submitted_at": ("提交时间", "上报时间"),
        "status": ("审核状态", "状态"),
        "warranty_start_date": ("保修起始日期", "三包起始日"),
        "reject_reason": ("驳回原因", "退回原因"),
        "customer_phone": ("联系电话", "客户手机"),
    },
    "warranty_claims": {
        **_COMMON,
        "claim_no": ("索赔单号", "索赔申请号"),
        "vin": ("车架号", "底盘号"),
        "ro_no": ("工单号", "委托书号"),
        "claim_type": ("索赔类型", "索赔类别"),
        "submitted_at": ("提交时间", "申请时间"),
        "settled_at": ("结算时间", "结算日期"),
        "status": ("审核状态", "状态"),
        "odometer_km": ("行驶里程", "进厂里程"),
        "labour_amount": ("工时费", "修理费用"),
        "parts_amount": ("材料费", "配件费"),
    },
    "survey_responses": {
        **_COMMON,
        "survey_id": ("问卷编号", "回访单号"),
        "ro_no": ("工单号", "委托书号"),
        "vin": ("车架号", "底盘号"),
        "surveyed_at": ("回访时间", "回访日期"),
        "item_code": ("评价项目", ""),
        "score": ("得分", ""),
        "scale_min": ("最低分", ""),
        "scale_max": ("最高分", ""),
    },
    "complaints": {
        **_COMMON,
        "case_id": ("投诉单号", "投诉编号"),
        "vin": ("车架号", "底盘号"),
        "ro_no": ("工单号", "委托书号"),
        "channel": ("投诉渠道", "来源渠道"),
        "category": ("投诉类别", "投诉分类"),
        "severity": ("严重程度", "等级"),
        "received_at": ("受理时间", "登记时间"),
        "first_response_at": ("首次响应时间", "首次回复时间"),
        "closed_at": ("关闭时间", "结案时间"),
        "reopen_count": ("重开次数", "重启次数"),
        "resolved_confirmed": ("客户确认解决", "是否解决"),
    },
}

FEED_TITLES = {
    "vehicle_sales": "车辆销售明细",
    "repair_orders": "维修工单明细",
    "warranty_registrations": "三包凭证登记明细",
    "warranty_claims": "索赔申请明细",
    "survey_responses": "客户满意度回访明细",
    "complaints": "客户投诉明细",
}

# value labels shared by both Chinese dialects: (feed, column) -> canonical -> label
_RO_CATEGORY = {
    "first_maintenance": "首保",
    "oem_free_maintenance": "免保",
    "warranty": "保修",
    "paid_maintenance": "保养",
    "minor_repair": "小修",
    "major_repair": "大修",
    "bodywork": "事故",
    "rework": "返工",
    "pdi": "PDI",
    "internal": "内部",
}
_BEARER = {
    "customer": "正常",
    "oem_warranty": "保修",
    "oem_free": "免保",
    "dealer": "站赔",
    "campaign": "免费",
    "other": "另项",
}
SURVEY_ITEM_LABELS = {
    "overall": "总体满意度",
    "advisor": "服务顾问",
    "facility": "设施环境",
    "quality": "维修质量",
    "pickup": "交车服务",
    "initiation": "服务启动",
}
LABELS: dict[tuple[str, str], dict[str, str]] = {
    ("repair_orders", "ro_category"): _RO_CATEGORY,
    ("repair_orders", "bearer"): _BEARER,
    ("repair_orders", "status"): {"open": "在修", "settled": "已结算", "void": "作废"},
    ("vehicle_sales", "sale_type"): {
        "retail": "零售",
        "fleet": "大客户",
        "demo": "试驾车",
        "transfer": "调拨",
    },
    ("vehicle_sales", "status"): {"valid": "有效", "cancelled": "退车"},
    ("vehicle_sales", "buyer_type"): {"individual": "个人", "organisation": "单位"},
    ("vehicle_sales", "use_type"): {
        "private": "私家车",
        "official": "公务车",
        "commercial": "营运车",
    },
    ("warranty_registrations", "status"): {
        "accepted": "已通过",
        "rejected": "已驳回",
        "pending": "待审核",
    },
    ("warranty_claims", "claim_type"): {
        "first_maintenance": "首保",
        "warranty_repair": "保修",
        "recall": "召回",
        "campaign": "服务活动",
    },
    ("warranty_claims", "status"): {
        "approved": "已批准",
        "rejected": "已驳回",
        "pending": "待审核",
    },
    ("survey_responses", "item_code"): SURVEY_ITEM_LABELS,
    ("complaints", "channel"): {
        "hotline": "400热线",
        "dealer": "经销商",
        "online": "网络",
        "oem": "厂家",
    },
    ("complaints", "category"): {
        "service": "服务",
        "product": "产品",
        "price": "价格",
        "other": "其他",
    },
    ("complaints", "severity"): {"minor": "轻微", "general": "一般", "major": "重大"},
}

UNKNOWN_VALUES: dict[tuple[str, str], tuple[str, str]] = {
    ("vehicle_sales", "sale_type"): ("lease", "融资租赁"),
    ("repair_orders", "ro_category"): ("tyre_service", "轮胎服务"),
    ("warranty_registrations", "status"): ("withdrawn", "已撤销"),
    ("warranty_claims", "claim_type"): ("goodwill", "善意索赔"),
    ("complaints", "category"): ("gift", "赠品"),
}
"""Planted unknown category values: (canonical token, Chinese label) per enum column."""

for _key, (_token, _label) in UNKNOWN_VALUES.items():
    if _token in LABELS[_key] or _label in LABELS[_key].values():
        raise AssertionError(f"unknown value {_token} collides with a known label")

TRUE_FALSE = {
    "canonical_csv": ("true", "false"),
    "huayu_gbk_csv": ("是", "否"),
    "jinqiao_xlsx_report": ("是", "否"),
}
