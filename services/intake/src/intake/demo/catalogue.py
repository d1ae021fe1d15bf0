"""A few hundred realistic demo achievements across the nine fields and many provinces.

Deterministic: the same list on every run (no randomness without a fixed seed), so that loading it
twice through intake's API with the same idempotency keys creates nothing the second time. Each
technology core is combined with qualifiers and institutions into distinct titles; each item also
says how far along the lifecycle the demo takes it (``stage``).
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from ztc_shared.contracts.intake import AchievementType, Channel, TransferMode
from ztc_shared.contracts.taxonomy import IndustryField, is_sub_field_of

Stage = Literal["draft", "submitted", "under_evaluation", "admitted", "published"]

# (institution, province code, province)
INSTITUTIONS: tuple[tuple[str, str, str], ...] = (
    ("清华大学", "110000", "北京市"),
    ("北京航空航天大学", "110000", "北京市"),
    ("中国科学院化学研究所", "110000", "北京市"),
    ("上海交通大学", "310000", "上海市"),
    ("复旦大学", "310000", "上海市"),
    ("中国科学院上海微系统与信息技术研究所", "310000", "上海市"),
    ("中山大学", "440000", "广东省"),
    ("华南理工大学", "440000", "广东省"),
    ("南方科技大学", "440000", "广东省"),
    ("深圳先进技术研究院", "440000", "广东省"),
    ("南京大学", "320000", "江苏省"),
    ("东南大学", "320000", "江苏省"),
    ("浙江大学", "330000", "浙江省"),
    ("之江实验室", "330000", "浙江省"),
    ("华中科技大学", "420000", "湖北省"),
    ("武汉理工大学", "420000", "湖北省"),
    ("电子科技大学", "510000", "四川省"),
    ("四川大学", "510000", "四川省"),
    ("西安交通大学", "610000", "陕西省"),
    ("西北工业大学", "610000", "陕西省"),
    ("山东大学", "370000", "山东省"),
    ("天津大学", "120000", "天津市"),
    ("中国科学技术大学", "340000", "安徽省"),
    ("中南大学", "430000", "湖南省"),
)

# field, sub-field, core title, abstract, keywords, type, application scenarios
CORES: tuple[tuple[IndustryField, str, str, str, tuple[str, ...], AchievementType, str], ...] = (
    (
        IndustryField.NEXT_GEN_IT,
        "integrated_circuits",
        "车规级碳化硅功率芯片",
        "耐压1200V的碳化硅MOSFET芯片及其封装工艺，导通损耗较硅基器件降低60%，已通过车规级可靠性验证。",
        ("碳化硅", "功率器件", "车规级"),
        AchievementType.PATENT,
        "新能源汽车电驱、光伏逆变器、充电桩",
    ),
    (
        IndustryField.NEXT_GEN_IT,
        "integrated_circuits",
        "存算一体AI推理芯片",
        "基于SRAM存内计算架构的边缘推理芯片，能效比达20TOPS/W，支持主流卷积与Transformer模型。",
        ("存算一体", "AI芯片", "边缘计算"),
        AchievementType.IC_LAYOUT,
        "智能摄像头、可穿戴设备、工业网关",
    ),
    (
        IndustryField.NEXT_GEN_IT,
        "artificial_intelligence",
        "工业质检视觉大模型",
        "基于自监督预训练的工业缺陷检测模型，小样本条件下缺陷检出率99.2%，可在边缘设备部署。",
        ("机器视觉", "缺陷检测", "大模型"),
        AchievementType.SOFTWARE_COPYRIGHT,
        "3C电子、汽车零部件、光伏组件质检",
    ),
    (
        IndustryField.NEXT_GEN_IT,
        "artificial_intelligence",
        "中文法律文书智能审查系统",
        "融合知识图谱与大语言模型的合同与判决文书审查系统，条款风险识别准确率超过93%。",
        ("自然语言处理", "知识图谱", "法律科技"),
        AchievementType.SOFTWARE_COPYRIGHT,
        "律师事务所、企业法务、法院",
    ),
    (
        IndustryField.NEXT_GEN_IT,
        "new_network_infrastructure",
        "低轨卫星通信相控阵终端",
        "Ku频段低剖面相控阵天线与基带一体化终端，重量小于3千克，支持动中通。",
        ("相控阵", "卫星互联网", "动中通"),
        AchievementType.PATENT,
        "应急通信、海洋渔业、无人机",
    ),
    (
        IndustryField.NEXT_GEN_IT,
        "software_and_services",
        "国产数据库高可用中间件",
        "面向国产数据库的多活容灾与分布式事务中间件，故障切换时间小于5秒，兼容主流信创环境。",
        ("数据库", "高可用", "信创"),
        AchievementType.SOFTWARE_COPYRIGHT,
        "金融、政务、电信核心系统",
    ),
    (
        IndustryField.HIGH_END_EQUIPMENT,
        "intelligent_manufacturing",
        "五轴联动数控系统",
        "具有自主知识产权的五轴联动数控系统，插补周期0.125毫秒，支持RTCP与误差补偿。",
        ("数控系统", "五轴联动", "精密加工"),
        AchievementType.PATENT,
        "航空结构件、模具、叶轮加工",
    ),
    (
        IndustryField.HIGH_END_EQUIPMENT,
        "intelligent_manufacturing",
        "协作机器人力控关节模组",
        "集成力矩传感与双编码器的一体化关节模组，重复定位精度±0.02毫米，支持碰撞检测。",
        ("协作机器人", "力控", "关节模组"),
        AchievementType.PATENT,
        "3C装配、医疗康复、教育科研",
    ),
    (
        IndustryField.HIGH_END_EQUIPMENT,
        "aerospace",
        "航空发动机叶片激光冲击强化装备",
        "纳秒激光冲击强化工艺与装备，叶片疲劳寿命提升3倍以上，已在型号修理中应用。",
        ("激光冲击强化", "航空发动机", "表面工程"),
        AchievementType.PATENT,
        "航空发动机制造与维修",
    ),
    (
        IndustryField.HIGH_END_EQUIPMENT,
        "rail_transit",
        "轨道车辆转向架智能运维系统",
        "基于振动与温度多源数据的转向架故障预警系统，提前72小时识别轴承早期故障。",
        ("故障诊断", "预测性维护", "轨道交通"),
        AchievementType.SOFTWARE_COPYRIGHT,
        "地铁、高铁、重载货运",
    ),
    (
        IndustryField.HIGH_END_EQUIPMENT,
        "marine_engineering",
        "深海采矿水下集矿机",
        "适应6000米水深的履带式集矿机及水力集矿头，采集效率达每小时30吨。",
        ("深海装备", "集矿机", "海洋工程"),
        AchievementType.PATENT,
        "深海矿产资源勘探开发",
    ),
    (
        IndustryField.NEW_MATERIALS,
        "advanced_steel",
        "高强韧热成形钢",
        "抗拉强度2000MPa级热成形钢及其涂层技术，冷弯角提升20%，已完成整车碰撞验证。",
        ("热成形钢", "轻量化", "汽车用钢"),
        AchievementType.PATENT,
        "汽车车身结构件",
    ),
    (
        IndustryField.NEW_MATERIALS,
        "advanced_nonferrous",
        "高导热铝碳化硅封装材料",
        "近净成形铝碳化硅复合材料，热导率大于200W/(m·K)，热膨胀系数与芯片匹配。",
        ("电子封装", "铝基复合材料", "高导热"),
        AchievementType.PATENT,
        "IGBT模块、雷达T/R组件",
    ),
    (
        IndustryField.NEW_MATERIALS,
        "advanced_chemicals",
        "可降解聚乳酸改性材料",
        "耐热聚乳酸改性配方与连续化生产工艺，维卡软化点提升至110℃，可注塑可吹膜。",
        ("聚乳酸", "可降解", "改性塑料"),
        AchievementType.PATENT,
        "餐具、包装、农用地膜",
    ),
    (
        IndustryField.NEW_MATERIALS,
        "frontier_materials",
        "石墨烯导热膜规模化制备",
        "氧化石墨烯还原成膜连续化工艺，导热膜面内热导率大于1500W/(m·K)，幅宽可达1米。",
        ("石墨烯", "导热膜", "散热"),
        AchievementType.PATENT,
        "手机与笔记本散热、动力电池热管理",
    ),
    (
        IndustryField.NEW_MATERIALS,
        "frontier_materials",
        "钙钛矿量子点发光材料",
        "高稳定性钙钛矿量子点及其封装工艺，色域覆盖达到Rec.2020的90%以上。",
        ("量子点", "显示材料", "钙钛矿"),
        AchievementType.PATENT,
        "Mini LED背光、广色域显示",
    ),
    (
        IndustryField.BIOTECH,
        "biomedicine",
        "长效GLP-1受体激动剂",
        "一周一次给药的GLP-1受体激动剂候选药物，已完成临床前药效与毒理研究。",
        ("GLP-1", "糖尿病", "多肽药物"),
        AchievementType.PATENT,
        "2型糖尿病与肥胖症治疗",
    ),
    (
        IndustryField.BIOTECH,
        "biomedicine",
        "mRNA疫苗递送脂质纳米颗粒",
        "新型可电离脂质及其LNP配方，转染效率较现有配方提升2倍，肝外靶向性好。",
        ("mRNA", "LNP", "递送系统"),
        AchievementType.PATENT,
        "传染病疫苗、肿瘤疫苗",
    ),
    (
        IndustryField.BIOTECH,
        "medical_devices",
        "高通量单细胞测序芯片",
        "基于微流控的单细胞测序芯片，单次通量达10万细胞，测序成本降低一半。",
        ("微流控", "单细胞测序", "精准医疗"),
        AchievementType.PATENT,
        "肿瘤研究、免疫治疗、药物筛选",
    ),
    (
        IndustryField.BIOTECH,
        "medical_devices",
        "手术机器人柔性器械",
        "具有七自由度的柔性连续体手术器械与控制算法，末端定位误差小于0.5毫米。",
        ("手术机器人", "柔性器械", "微创手术"),
        AchievementType.PATENT,
        "腔镜手术、经自然腔道手术",
    ),
    (
        IndustryField.BIOTECH,
        "bio_agriculture",
        "抗病高产水稻新品种",
        "聚合多个抗稻瘟病基因的水稻新品种，亩产较对照增产8%，米质达部颁二级。",
        ("水稻", "抗病育种", "新品种"),
        AchievementType.PLANT_VARIETY,
        "南方稻区推广种植",
    ),
    (
        IndustryField.BIOTECH,
        "bio_manufacturing",
        "合成生物学法制备麦角硫因",
        "工程菌株发酵生产麦角硫因，发酵产量达每升5克，纯度99%以上。",
        ("合成生物学", "发酵", "化妆品原料"),
        AchievementType.PATENT,
        "化妆品、保健食品",
    ),
    (
        IndustryField.NEW_ENERGY_VEHICLES,
        "vehicles",
        "分布式电驱动底盘域控制器",
        "四轮独立驱动底盘的集中式域控制器与扭矩矢量分配算法，提升低附路面操稳性。",
        ("线控底盘", "域控制器", "扭矩矢量"),
        AchievementType.SOFTWARE_COPYRIGHT,
        "乘用车、特种车辆",
    ),
    (
        IndustryField.NEW_ENERGY_VEHICLES,
        "power_batteries",
        "硫化物全固态电池电解质",
        "高离子电导率硫化物固态电解质及干法成膜工艺，室温电导率10mS/cm，已完成中试。",
        ("固态电池", "电解质", "干法电极"),
        AchievementType.PATENT,
        "电动汽车、储能",
    ),
    (
        IndustryField.NEW_ENERGY_VEHICLES,
        "power_batteries",
        "退役动力电池快速分选技术",
        "基于电化学阻抗谱的退役电池一致性快速分选方法，单体检测时间小于1分钟。",
        ("梯次利用", "电池分选", "阻抗谱"),
        AchievementType.PATENT,
        "储能梯次利用、回收企业",
    ),
    (
        IndustryField.NEW_ENERGY_VEHICLES,
        "electric_drive",
        "扁线油冷驱动电机",
        "发卡式扁线绕组与定子油冷结构，电机峰值效率97.5%，功率密度5kW/kg。",
        ("扁线电机", "油冷", "电驱动"),
        AchievementType.PATENT,
        "新能源乘用车与商用车",
    ),
    (
        IndustryField.NEW_ENERGY_VEHICLES,
        "charging",
        "液冷超充终端",
        "600kW液冷超级充电终端与功率柔性分配系统，10分钟补能400公里。",
        ("超充", "液冷", "柔性分配"),
        AchievementType.PATENT,
        "高速服务区、城市充电站",
    ),
    (
        IndustryField.NEW_ENERGY,
        "photovoltaics",
        "钙钛矿/晶硅叠层太阳能电池",
        "钙钛矿/晶硅两端叠层电池，实验室认证效率31%，开发了稳定的界面钝化工艺。",
        ("钙钛矿", "叠层电池", "光伏"),
        AchievementType.PATENT,
        "分布式光伏、建筑光伏一体化",
    ),
    (
        IndustryField.NEW_ENERGY,
        "wind",
        "海上风电大型叶片气动设计",
        "面向15MW以上机组的叶片气动外形与结构一体化设计方法，年发电量提升4%。",
        ("海上风电", "叶片设计", "气动"),
        AchievementType.SOFTWARE_COPYRIGHT,
        "海上风电整机与叶片企业",
    ),
    (
        IndustryField.NEW_ENERGY,
        "hydrogen",
        "PEM电解水制氢膜电极",
        "低铱载量质子交换膜电解槽膜电极，铱用量降低70%，电流密度2A/cm²下电压小于1.9V。",
        ("电解水制氢", "膜电极", "PEM"),
        AchievementType.PATENT,
        "绿氢制备、化工耦合",
    ),
    (
        IndustryField.NEW_ENERGY,
        "smart_grid",
        "配电网故障自愈系统",
        "基于边缘计算的配电网故障定位、隔离与供电恢复系统，停电时间缩短至分钟级。",
        ("配电自动化", "故障自愈", "边缘计算"),
        AchievementType.SOFTWARE_COPYRIGHT,
        "城市配电网、工业园区",
    ),
    (
        IndustryField.ENERGY_SAVING,
        "efficient_energy_use",
        "工业余热有机朗肯循环发电",
        "适用于80–200℃低品位余热的有机朗肯循环发电机组，系统净效率12%。",
        ("余热发电", "有机朗肯循环", "节能"),
        AchievementType.PATENT,
        "钢铁、水泥、化工余热回收",
    ),
    (
        IndustryField.ENERGY_SAVING,
        "efficient_energy_use",
        "智慧园区能耗监测与优化平台",
        "基于物联网的园区能耗实时监测与负荷优化调度平台，综合节能率达15%。",
        ("能耗监测", "物联网", "负荷优化"),
        AchievementType.SOFTWARE_COPYRIGHT,
        "工业园区、公共建筑",
    ),
    (
        IndustryField.ENERGY_SAVING,
        "pollution_control",
        "高盐废水零排放膜浓缩",
        "耐污染反渗透与电渗析耦合浓缩工艺，吨水处理成本降低30%，实现结晶盐资源化。",
        ("零排放", "膜浓缩", "废水处理"),
        AchievementType.PATENT,
        "煤化工、印染、制药废水",
    ),
    (
        IndustryField.ENERGY_SAVING,
        "resource_recycling",
        "废旧光伏组件无损拆解回收",
        "热解与物理分选结合的光伏组件拆解工艺，银、硅、玻璃回收率均超过95%。",
        ("光伏回收", "资源化", "拆解"),
        AchievementType.PATENT,
        "光伏电站退役组件处理",
    ),
    (
        IndustryField.DIGITAL_CREATIVE,
        "digital_technology_equipment",
        "轻量化混合现实头显光学模组",
        "自由曲面光波导与微显示模组，视场角50°，整机重量小于100克。",
        ("混合现实", "光波导", "头显"),
        AchievementType.PATENT,
        "工业巡检、文旅导览、教育",
    ),
    (
        IndustryField.DIGITAL_CREATIVE,
        "digital_content",
        "文化遗产数字孪生重建",
        "多源影像与激光扫描融合的文物三维重建与虚拟展示系统，纹理精度达到亚毫米级。",
        ("数字孪生", "文化遗产", "三维重建"),
        AchievementType.SOFTWARE_COPYRIGHT,
        "博物馆、文旅景区",
    ),
    (
        IndustryField.DIGITAL_CREATIVE,
        "design_services",
        "服装智能设计与虚拟试衣",
        "基于生成模型的服装款式设计与三维虚拟试衣系统，打样周期缩短70%。",
        ("智能设计", "虚拟试衣", "生成模型"),
        AchievementType.SOFTWARE_COPYRIGHT,
        "服装品牌、电商平台",
    ),
    (
        IndustryField.RELATED_SERVICES,
        "rd_services",
        "新药研发临床前数据管理平台",
        "符合GLP规范的临床前实验数据采集与管理平台，支持电子签名与稽查追踪。",
        ("GLP", "数据管理", "研发服务"),
        AchievementType.SOFTWARE_COPYRIGHT,
        "CRO、药企研发中心",
    ),
    (
        IndustryField.RELATED_SERVICES,
        "technology_transfer",
        "科技成果价值评估模型",
        "融合专利质量、市场规模与技术成熟度的成果价值评估模型，已用于数百项成果评估。",
        ("成果评估", "技术转移", "专利价值"),
        AchievementType.KNOW_HOW,
        "技术转移机构、科技金融",
    ),
    (
        IndustryField.RELATED_SERVICES,
        "inspection_testing",
        "锂电池热失控检测装置",
        "绝热加速量热与气体在线分析联用的电池热失控测试装置，可定量产气与放热。",
        ("热失控", "电池安全", "检测认证"),
        AchievementType.PATENT,
        "电池企业、第三方检测机构",
    ),
)

QUALIFIERS = ("", "新一代", "低成本", "高可靠", "模块化", "规模化", "智能化", "绿色")
HOLDERS = (
    "王磊",
    "李娜",
    "张伟",
    "刘洋",
    "陈静",
    "杨帆",
    "赵敏",
    "黄晓明",
    "周婷",
    "吴昊",
    "徐丽",
    "孙强",
    "马超",
    "朱琳",
    "胡军",
    "郭佳",
    "何勇",
    "高燕",
    "林涛",
    "罗娟",
)
STAGES: tuple[Stage, ...] = (
    "published",
    "published",
    "published",
    "admitted",
    "under_evaluation",
    "submitted",
    "submitted",
    "draft",
)
TRANSFER_SETS = (
    (TransferMode.LICENSE,),
    (TransferMode.TRANSFER, TransferMode.LICENSE),
    (TransferMode.EQUITY, TransferMode.JOINT_DEVELOPMENT),
    (TransferMode.JOINT_DEVELOPMENT, TransferMode.TECHNICAL_SERVICE),
)


@dataclass(frozen=True)
class CatalogueItem:
    slug: str
    stage: Stage
    province: str
    body: dict[str, Any]

    @property
    def title(self) -> str:
        return str(self.body["title"])


def catalogue(size: int = 300, *, seed: int = 20261127) -> tuple[CatalogueItem, ...]:
    """``size`` distinct demo achievements, the same on every call."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    if size > len(CORES) * len(QUALIFIERS):
        raise ValueError(f"at most {len(CORES) * len(QUALIFIERS)} distinct demo achievements")
    items: list[CatalogueItem] = []
    for index in range(size):
        # every core once with each qualifier: distinct titles; institutions rotate through
        field, sub_field, core, abstract, keywords, kind, scenarios = CORES[index % len(CORES)]
        qualifier = QUALIFIERS[index // len(CORES)]
        institution, province_code, province = INSTITUTIONS[(index * 7) % len(INSTITUTIONS)]
        title = f"{qualifier}{core}"
        slug = hashlib.sha256(f"{title}|{institution}".encode()).hexdigest()[:12]
        trl = rng.randint(3, 8)
        price = Decimal(rng.choice((50, 80, 120, 200, 350, 500, 800, 1200)))
        number = f"ZL20{rng.randint(18, 25)}1{rng.randint(0, 99999999):08d}.{rng.randint(0, 9)}"
        body: dict[str, Any] = {
            "title": title,
            "abstract": f"{abstract}（{institution}，{province}）",
            "field": field.value,
            "sub_field": sub_field,
            "keywords": list(keywords),
            "trl": trl,
            "holder_name": HOLDERS[index % len(HOLDERS)],
            "institution": institution,
            "channel": rng.choice(list(Channel)).value,
            "asking_price_wan": str(price),
            "achievement_type": kind.value,
            "ip_items": (
                [{"kind": kind.value, "number": number, "status": "granted"}]
                if kind is AchievementType.PATENT
                else []
            ),
            "transfer_modes": [m.value for m in TRANSFER_SETS[index % len(TRANSFER_SETS)]],
            "contact": {
                "name": HOLDERS[index % len(HOLDERS)],
                "phone": "020-8888" + f"{index:04d}",
            },
            "application_scenarios": scenarios,
            "market_prospects": f"{FIELD_SCALE[field]}，{keywords[0]}相关产品需求持续增长。",
        }
        assert is_sub_field_of(field, sub_field)
        items.append(
            CatalogueItem(
                slug=slug, stage=STAGES[index % len(STAGES)], province=province_code, body=body
            )
        )
    return tuple(items)


FIELD_SCALE = {
    IndustryField.NEXT_GEN_IT: "国内市场规模超过万亿元",
    IndustryField.HIGH_END_EQUIPMENT: "装备国产化替代空间广阔",
    IndustryField.NEW_MATERIALS: "下游应用快速放量",
    IndustryField.BIOTECH: "患者与用户群体庞大",
    IndustryField.NEW_ENERGY_VEHICLES: "新能源汽车渗透率已超过一半",
    IndustryField.NEW_ENERGY: "装机规模逐年攀升",
    IndustryField.ENERGY_SAVING: "双碳目标带来持续需求",
    IndustryField.DIGITAL_CREATIVE: "数字文旅与消费升级方兴未艾",
    IndustryField.RELATED_SERVICES: "科技服务业加快发展",
}
