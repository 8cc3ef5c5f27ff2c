"""Word lists the demo world builds its names from: ordinary, plausible, and attached to nobody real."""

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN_NAME_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志文斌海波宁晨浩宇欣怡子涵梓轩俊杰婷雪琳晓峰"
)
TRADE_NAME_CHARS = (
    "鑫盛隆泰华丰瑞祥恒通达源和兴旺昌宏远金信诚德顺安嘉禾新佳汇锦辰博卓越星宸创利康合众益润聚宝骏腾飞凯永正"
)
# What a firm's name says it does, by GB/T 4754 section.
SECTION_WORDS = {
    "A": ["农业", "种植", "养殖", "生态农业"],
    "B": ["矿业", "石材"],
    "C": ["制造", "机械", "电子", "科技", "塑胶", "服饰", "食品", "五金"],
    "D": ["能源", "燃气", "电力"],
    "E": ["建设", "建筑工程", "装饰工程", "安装工程"],
    "F": ["商贸", "贸易", "百货", "超市", "批发"],
    "G": ["物流", "运输", "仓储"],
    "H": ["餐饮", "酒店", "小吃"],
    "I": ["网络科技", "信息技术", "软件"],
    "J": ["投资咨询"],
    "K": ["物业管理", "房地产经纪"],
    "L": ["商务咨询", "广告", "人力资源", "企业管理"],
    "M": ["技术服务", "检测", "设计"],
    "N": ["环境工程", "园林绿化"],
    "O": ["家政服务", "维修", "美容美发"],
    "P": ["教育咨询", "培训"],
    "Q": ["健康管理", "诊所"],
    "R": ["文化传媒", "体育", "影视"],
    "S": ["社会服务"],
    "T": ["国际组织"],
}
SOLE_PROPRIETOR_SUFFIXES = ["店", "经营部", "商行", "工作室", "门市部"]
AUTHORITIES_BY_KIND = {
    "administrative_penalty": ["市场监督管理局", "税务局", "生态环境局", "应急管理局", "住房和城乡建设局"],
    "administrative_licence": ["市场监督管理局", "行政审批局", "卫生健康委员会", "交通运输局"],
    "dishonest_judgment_debtor": ["人民法院"],
    "serious_dishonesty_list": ["市场监督管理局", "税务局", "生态环境局"],
    "abnormal_operation_list": ["市场监督管理局"],
    "credit_commitment": ["发展和改革委员会", "行政审批局"],
    "commitment_breach": ["发展和改革委员会", "行政审批局"],
    "commendation": ["人民政府", "工商业联合会"],
}
TITLES_BY_KIND = {
    "administrative_penalty": [
        "未按规定公示年度报告",
        "虚开发票",
        "超标排放",
        "安全生产违规",
        "产品质量不合格",
        "价格违法",
    ],
    "administrative_licence": ["食品经营许可", "道路运输经营许可", "建筑业企业资质", "排污许可"],
    "dishonest_judgment_debtor": ["有履行能力而拒不履行生效法律文书确定义务"],
    "serious_dishonesty_list": ["重大税收违法失信主体", "严重违法失信企业"],
    "abnormal_operation_list": ["未按规定期限公示年度报告", "通过登记的住所无法联系"],
    "credit_commitment": ["告知承诺制审批信用承诺", "主动型信用承诺"],
    "commitment_breach": ["违背告知承诺制审批信用承诺"],
    "commendation": ["守合同重信用企业", "纳税信用A级纳税人表彰"],
}
APPLICATION_PURPOSES = ["采购原材料", "补充流动资金", "支付货款", "设备更新", "扩大经营", "支付工资", "备货"]
