"""What the demo says beyond its published lists: unit names, report lines, answers, settings."""

DISTRICT = "青岛西海岸新区"
OFFICE = "区营商环境建设办公室"
APPROVAL = "区行政审批服务局"

# Short names seen in lists and chats for units of the directory.
ALIASES = {
    "区住房城乡建设局": ["区住建局"],
    "区发展改革局": ["区发改局"],
    "区人力资源社会保障局": ["区人社局"],
    "区行政审批服务局": ["区审批局", "区行政审批局"],
    "区市场监管局": ["区市场监督管理局"],
    "区自然资源局": ["区自然资源和规划局"],
    "区大数据局": ["区大数据发展管理局"],
}

REPORT_LINES = [
    "已召开专题会议研究推进，明确责任分工和时间节点。",
    "已完成方案起草，正在征求相关部门意见。",
    "已组织业务培训，窗口人员全部完成上岗学习。",
    "系统改造已完成测试，正在试运行。",
    "已完成阶段目标，正在总结经验做法。",
    "已对接市级部门，争取政策支持。",
]
OBSTACLES = ["", "", "需市级部门系统对接支持。", "部分配合单位材料报送不及时。"]

# What the coordinator sets where the measures app's guess from the title falls short:
# title → (kind, rule, rule's number or None for its default).
MEASURE_SETTINGS = {
    "月度“红榜”通报表扬": ("praise", "top_score", 3),
    "督查督办": ("other", "not_completed", None),
    "典型经验推广": ("praise", "", None),
    "评先树优倾斜": ("reward", "", None),
}

# Notes units write beside some answers, by answer.
ANSWER_NOTES = {
    "yes": ["已在政务服务网和办事大厅同步公开。", "已形成制度文件并印发执行。", ""],
    "no": ["正在制定整改方案，预计下月完成。", "受系统对接进度影响，尚未落实到位。"],
    "na": ["本单位不涉及该事项。"],
}
OVERTURN_REASON = "现场检查发现相关工作未落实到位，与自查结果不符，认定为“否”。"
