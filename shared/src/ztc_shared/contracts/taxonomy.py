"""The nine strategic emerging industries (战略性新兴产业) and their sub-fields, kept as data."""

from __future__ import annotations

from enum import StrEnum


class IndustryField(StrEnum):
    """Field codes carried in events; the Chinese name is what people read."""

    NEXT_GEN_IT = "next_gen_it"
    HIGH_END_EQUIPMENT = "high_end_equipment"
    NEW_MATERIALS = "new_materials"
    BIOTECH = "biotech"
    NEW_ENERGY_VEHICLES = "new_energy_vehicles"
    NEW_ENERGY = "new_energy"
    ENERGY_SAVING = "energy_saving"
    DIGITAL_CREATIVE = "digital_creative"
    RELATED_SERVICES = "related_services"


FIELD_NAMES: dict[IndustryField, dict[str, str]] = {
    IndustryField.NEXT_GEN_IT: {
        "zh": "新一代信息技术",
        "en": "Next-generation information technology",
    },
    IndustryField.HIGH_END_EQUIPMENT: {
        "zh": "高端装备制造",
        "en": "High-end equipment manufacturing",
    },
    IndustryField.NEW_MATERIALS: {"zh": "新材料", "en": "New materials"},
    IndustryField.BIOTECH: {"zh": "生物", "en": "Biotechnology"},
    IndustryField.NEW_ENERGY_VEHICLES: {"zh": "新能源汽车", "en": "New energy vehicles"},
    IndustryField.NEW_ENERGY: {"zh": "新能源", "en": "New energy"},
    IndustryField.ENERGY_SAVING: {
        "zh": "节能环保",
        "en": "Energy saving and environmental protection",
    },
    IndustryField.DIGITAL_CREATIVE: {"zh": "数字创意", "en": "Digital creative industries"},
    IndustryField.RELATED_SERVICES: {"zh": "相关服务", "en": "Related services"},
}

SUB_FIELDS: dict[IndustryField, dict[str, str]] = {
    IndustryField.NEXT_GEN_IT: {
        "integrated_circuits": "集成电路",
        "artificial_intelligence": "人工智能",
        "new_network_infrastructure": "新型网络基础设施",
        "software_and_services": "新兴软件和新型信息技术服务",
    },
    IndustryField.HIGH_END_EQUIPMENT: {
        "intelligent_manufacturing": "智能制造装备",
        "aerospace": "航空航天装备",
        "rail_transit": "先进轨道交通装备",
        "marine_engineering": "海洋工程装备",
    },
    IndustryField.NEW_MATERIALS: {
        "advanced_steel": "先进钢铁材料",
        "advanced_nonferrous": "先进有色金属材料",
        "advanced_chemicals": "先进石化化工新材料",
        "frontier_materials": "前沿新材料",
    },
    IndustryField.BIOTECH: {
        "biomedicine": "生物医药",
        "medical_devices": "生物医学工程",
        "bio_agriculture": "生物农业",
        "bio_manufacturing": "生物质能及生物制造",
    },
    IndustryField.NEW_ENERGY_VEHICLES: {
        "vehicles": "新能源汽车整车",
        "power_batteries": "动力电池",
        "electric_drive": "电机电控",
        "charging": "充换电设施",
    },
    IndustryField.NEW_ENERGY: {
        "photovoltaics": "太阳能产业",
        "wind": "风能产业",
        "hydrogen": "氢能产业",
        "smart_grid": "智能电网",
    },
    IndustryField.ENERGY_SAVING: {
        "efficient_energy_use": "高效节能产业",
        "pollution_control": "先进环保产业",
        "resource_recycling": "资源循环利用产业",
    },
    IndustryField.DIGITAL_CREATIVE: {
        "digital_technology_equipment": "数字创意技术设备",
        "digital_content": "数字文化创意内容",
        "design_services": "设计服务",
    },
    IndustryField.RELATED_SERVICES: {
        "rd_services": "新技术与创新创业服务",
        "technology_transfer": "技术转移服务",
        "inspection_testing": "检验检测认证服务",
    },
}


def is_sub_field_of(field: IndustryField, sub_field: str) -> bool:
    return sub_field in SUB_FIELDS[field]
