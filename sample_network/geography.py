"""The OEM's nine after-sales regions with provinces, cities and plate prefixes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Province:
    name: str
    plate_char: str
    cities: tuple[tuple[str, str], ...]  # (city, plate letter)


@dataclass(frozen=True)
class Region:
    code: str
    name_zh: str
    south: bool
    provinces: tuple[Province, ...]


def _p(name: str, plate: str, cities: str) -> Province:
    pairs = tuple((c.split(":")[0], c.split(":")[1]) for c in cities.split())
    return Province(name, plate, pairs)


REGIONS: tuple[Region, ...] = (
    Region(
        "northwest",
        "西北",
        False,
        (
            _p("陕西省", "陕", "西安市:A 宝鸡市:C 咸阳市:D"),
            _p("甘肃省", "甘", "兰州市:A 天水市:E"),
            _p("新疆维吾尔自治区", "新", "乌鲁木齐市:A"),
        ),
    ),
    Region(
        "northeast",
        "东北",
        False,
        (
            _p("辽宁省", "辽", "沈阳市:A 大连市:B"),
            _p("吉林省", "吉", "长春市:A"),
            _p("黑龙江省", "黑", "哈尔滨市:A 大庆市:E"),
        ),
    ),
    Region(
        "sichuan_chongqing",
        "川渝",
        True,
        (
            _p("四川省", "川", "成都市:A 绵阳市:B 宜宾市:Q"),
            _p("重庆市", "渝", "重庆市:A"),
        ),
    ),
    Region(
        "henan_anhui",
        "河南安徽",
        False,
        (
            _p("河南省", "豫", "郑州市:A 洛阳市:C"),
            _p("安徽省", "皖", "合肥市:A 芜湖市:B"),
        ),
    ),
    Region(
        "hubei_hunan",
        "湖北湖南",
        True,
        (
            _p("湖北省", "鄂", "武汉市:A 宜昌市:E"),
            _p("湖南省", "湘", "长沙市:A 株洲市:B"),
        ),
    ),
    Region(
        "jiangxi_fujian",
        "江西福建",
        True,
        (
            _p("江西省", "赣", "南昌市:A 赣州市:B"),
            _p("福建省", "闽", "福州市:A 厦门市:D 泉州市:C"),
        ),
    ),
    Region(
        "zhejiang_south_jiangsu",
        "浙江苏南",
        True,
        (
            _p("浙江省", "浙", "杭州市:A 宁波市:B 温州市:C"),
            _p("江苏省", "苏", "苏州市:E 无锡市:B 常州市:D"),
        ),
    ),
    Region(
        "guangdong_guangxi_hainan",
        "广东广西海南",
        True,
        (
            _p("广东省", "粤", "广州市:A 深圳市:B 佛山市:E 东莞市:S"),
            _p("广西壮族自治区", "桂", "南宁市:A"),
            _p("海南省", "琼", "海口市:A"),
        ),
    ),
    Region(
        "shandong_hebei",
        "山东河北",
        False,
        (
            _p("山东省", "鲁", "济南市:A 青岛市:B 烟台市:F"),
            _p("河北省", "冀", "石家庄市:A 唐山市:B"),
        ),
    ),
)

NAME_STEMS = (
    "华通",
    "恒信",
    "广汇",
    "永达",
    "中升",
    "利星",
    "宝利",
    "盛大",
    "东昌",
    "远通",
    "安达",
    "正通",
    "元通",
    "润华",
    "新丰",
    "鑫源",
    "嘉鸿",
    "宏达",
    "瑞丰",
    "金桥",
)
