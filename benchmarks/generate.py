"""Generate task lists in the layout of tests/fixtures/samples/reform-tasks.xlsx, at any size.

    python -m benchmarks.generate 10000 var/bench/reform-10k.xlsx

The layout is the sample's: a title row and a 填报单位 row merged across the sheet, the header
row (序号 改革攻坚任务 具体目标 任务来源 责任单位 主要责任人 分管责任人 具体责任人 完成时限 备注),
17 category rows merged across (一、…（N项）), then the tasks: several units in one cell, some
marked （牵头）, deadlines in every form the sample uses (text and date cells), blank notes.
The same seed gives the same file.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import sys
from pathlib import Path

import openpyxl
from openpyxl.worksheet.cell_range import MultiCellRange

HEADERS = [
    "序号",
    "改革攻坚任务",
    "具体目标",
    "任务来源",
    "责任单位",
    "主要责任人",
    "分管责任人",
    "具体责任人",
    "完成时限",
    "备注",
]

CATEGORIES = [
    "深化工程建设项目审批制度改革",
    "优化不动产登记办理",
    "提升企业开办便利度",
    "优化纳税服务",
    "提升跨境贸易便利化水平",
    "强化中小投资者保护",
    "优化获得电力服务",
    "优化用水用气报装",
    "提升政务服务效能",
    "加强市场监管",
    "优化劳动力市场监管",
    "提升政府采购透明度",
    "优化招标投标环境",
    "加强知识产权创造保护运用",
    "提升办理破产便利度",
    "完善包容普惠创新环境",
    "营造亲清政商关系",
]

# The district's units as the lists name them (canonical names: the directory holds these).
UNITS = [
    "区行政审批服务局",
    "区发展改革局",
    "区财政局",
    "区司法局",
    "区住房城乡建设局",
    "区自然资源局",
    "区市场监管局",
    "区人力资源社会保障局",
    "区税务局",
    "区公安分局",
    "区商务局",
    "区科技局",
    "区工业和信息化局",
    "区交通运输局",
    "区综合行政执法局",
    "区退役军人事务局",
    "区民政局",
    "区城市管理局",
    "区教育和体育局",
    "区卫生健康局",
    "区医保局",
    "区大数据局",
    "区不动产登记中心",
    "区公积金管理中心",
    "区金融工作局",
    "区政府办公室",
    "区营商环境建设办公室",
    "区法院",
    "区工商联",
    "区总工会",
    "区残联",
    "区水务集团",
    "黄岛海关",
    "人行黄岛支行",
    "国网青岛西海岸供电公司",
]

VERBS = [
    "完善",
    "推行",
    "建立",
    "实现",
    "深化",
    "优化",
    "推进",
    "健全",
    "落实",
    "探索",
    "压减",
    "提升",
]
OBJECTS = [
    "帮办代办服务",
    "“一网通办”",
    "容缺受理机制",
    "告知承诺制",
    "联合验收",
    "区域评估",
    "“一窗受理、集成服务”",
    "全流程网上办理",
    "电子证照应用",
    "信用分级分类监管",
    "“双随机、一公开”监管",
    "首问负责制度",
    "限时办结制度",
    "并联审批",
    "多图联审",
]
SOURCES = ["深圳市", "西海岸新区", "上海市", "山东省", "青岛市"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = [
    "德明",
    "秀英",
    "志强",
    "国庆",
    "文静",
    "海燕",
    "红梅",
    "振宇",
    "建国",
    "宏伟",
    "晓东",
    "丽华",
]
NOTES = [None, None, None, "需市级部门支持", "涉及系统对接"]


def _deadline(rng: random.Random):
    """Deadlines in every form of the sample, text and date cells alike."""
    month = rng.choice([3, 6, 9, 10, 12])
    last = {3: 31, 6: 30, 9: 30, 10: 31, 12: 31}[month]
    return rng.choice(
        [
            "长期坚持",
            "持续推进",
            "年底前",
            f"2020年{month}月底前",
            f"2020年{month}月",
            f"{month}月底前",
            f"2020.{month}.{last}",
            dt.datetime(2020, month, 28),
            None,
        ]
    )


def _units(rng: random.Random) -> str:
    count = rng.choice([1, 1, 1, 1, 2, 3])
    names = rng.sample(UNITS, count)
    if count > 1 and rng.random() < 0.3:
        lead = rng.randrange(count)
        names[lead] += "（牵头）"
    return "、".join(names)


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def reform_rows(rows: int, *, seed: int = 0):
    """Yield the sheet's rows (lists of cell values) and the 0-based indexes merged across."""
    rng = random.Random(seed)
    yield ["青岛西海岸新区打造精简高效政务新生态改革攻坚任务清单"] + [None] * 9
    yield ["填报单位：区营商环境建设办公室\u3000\u3000\u3000\u3000填报日期：2020年5月25日"] + [
        None
    ] * 9
    yield list(HEADERS)
    per_category, remainder = divmod(rows, len(CATEGORIES))
    code = 0
    numerals = "一二三四五六七八九十"
    for index, category in enumerate(CATEGORIES):
        count = per_category + (1 if index < remainder else 0)
        if not count:
            continue
        number = (
            numerals[index] if index < 10 else "十" + (numerals[index - 10] if index > 10 else "")
        )
        yield [f"{number}、{category}（{count}项）"] + [None] * 9
        for _ in range(count):
            code += 1
            area = category[2:8]
            yield [
                code,
                f"{rng.choice(VERBS)}{area}{rng.choice(OBJECTS)}（{code}）",
                f"到2020年底，{area}领域办理时间较上年压减{rng.choice([20, 30, 40, 50])}%以上，"
                f"企业群众满意度达到{rng.choice([90, 95, 98])}%。",
                rng.choice(SOURCES),
                _units(rng),
                _person(rng),
                _person(rng),
                _person(rng),
                _deadline(rng),
                rng.choice(NOTES),
            ]


def reform_workbook(rows: int, *, seed: int = 0) -> bytes:
    """An .xlsx (bytes) with ``rows`` tasks in the layout of reform-tasks.xlsx."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("改革攻坚任务清单")
    merged = []
    for index, row in enumerate(reform_rows(rows, seed=seed), start=1):
        if row[1] is None and row[0] is not None:
            merged.append(f"A{index}:J{index}")
        sheet.append(row)
    # Write-only sheets stream their rows; merged ranges are written at the end from this.
    sheet.merged_cells = MultiCellRange(merged)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_reform_workbook(path: Path, rows: int, *, seed: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(reform_workbook(rows, seed=seed))
    return path


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m benchmarks.generate ROWS OUTPUT.xlsx")
    out = write_reform_workbook(Path(sys.argv[2]), int(sys.argv[1]))
    print(f"{out}: {out.stat().st_size:,} bytes")
