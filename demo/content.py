"""What the demo says: unit names, the generated lists' questions and measures, report lines."""

DISTRICT = "青岛西海岸新区"
OFFICE = "区营商环境建设办公室"
APPROVAL = "区行政审批服务局"

# Short names seen in lists and chats for units of the directory (and the other full names
# the sample lists use for the same bureau, so that the demo has no duplicate bureaus).
ALIASES = {
    "区住房城乡建设局": ["区住建局", "区住房和城乡建设局"],
    "区发展改革局": ["区发改局", "区发展和改革委员会"],
    "区人力资源社会保障局": ["区人社局"],
    "区行政审批服务局": ["区审批局", "区行政审批局"],
    "区市场监管局": ["区市场监督管理局"],
    "区自然资源局": ["区自然资源和规划局"],
    "区大数据局": ["区大数据发展管理局", "区大数据管理中心"],
}

# More bureaus the sample lists name in two ways (after a reorganisation, or shortened): one
# unit each, its other name an alias. (Not among ALIASES: those are the bureaus the demo's
# own checklist and measures are given to.)
OTHER_NAMES = {
    "区卫生健康局": ["区卫生健康委员会"],
    "区医疗保障局": ["区医保局"],
    "区教育和体育局": ["区教育局"],
}

CHECKLIST_AREAS = {
    "政务服务": ["是否公开办事指南", "是否实现一窗受理", "是否落实首问负责", "是否推行容缺受理"],
    "工程建设": ["是否压减审批时限", "是否推行联合验收", "是否实行告知承诺", "是否开展帮办代办"],
    "市场监管": ["是否推行双随机抽查", "是否公示抽查结果", "是否建立信用档案", "是否规范行政处罚"],
    "要素保障": ["是否保障用地需求", "是否落实减税降费", "是否兑现惠企政策", "是否畅通融资渠道"],
    "作风建设": ["是否按时回应诉求", "是否存在推诿扯皮", "是否落实限时办结", "是否开展满意度回访"],
}

MEASURES = [
    ("月度“红榜”通报表扬", "对当月认定为“按期推进”比例最高的3个单位在全区通报表扬。"),
    ("月度“黑榜”通报批评", "对当月认定为“进度滞后”任务最多的单位通报批评。"),
    ("年度考核加分", "对全年任务按期完成率100%的单位在年度综合考核中加分。"),
    ("约谈问责", "连续两个月进度滞后的，由分管区领导约谈单位主要负责人。"),
    ("揭榜挂帅奖励", "对主动揭榜并按期完成攻坚任务的单位给予专项奖励。"),
    ("容错免责", "对改革创新中出现失误但符合容错情形的予以免责。"),
    ("督查督办", "对逾期未完成任务下发督办单，限期整改。"),
    ("典型经验推广", "对形成可复制经验的改革举措在全区推广。"),
    ("评先树优倾斜", "评先树优向改革攻坚成效突出的单位和个人倾斜。"),
    ("整改销号复查", "已销号任务三个月后开展跟踪问效复查。"),
]

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
