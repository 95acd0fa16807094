"""Seed of the content taxonomy (内容分类): the current 19 first-level classes (workflow-rules §14.3) and the
second-level classes named there. Stored as rows so a county can load a newer edition without a release."""

from __future__ import annotations

FIRST_LEVEL = [
    "农村农业", "自然资源", "城乡建设", "劳动和社会保障", "卫生健康", "教育", "民政与应急", "政法", "经济管理",
    "交通运输", "市场监管", "文体旅游", "科技与信息产业", "生态环境", "党务政务", "组织人事", "纪检监察", "军队事务",
    "其他",
]

SECOND_LEVEL = {
    "城乡建设": [
        "国有土地上房屋征收与补偿", "集体土地上房屋拆迁与补偿", "城市建设和管理", "城乡规划", "住房保障与房地产",
        "建筑市场", "工程管理", "村镇建设",
    ],
    "政法": [
        "法治建设", "诉讼", "仲裁与调解", "行政复议", "生效法律文书执行", "法律服务", "法律监督", "刑罚执行",
        "警务督察", "社会治安", "交通管理", "刑案侦查", "户籍证件", "移民和出入境管理",
    ],
    "劳动和社会保障": ["社会保险", "社保基金", "工资福利", "就业培训", "劳动保护", "劳动关系", "退休政策及待遇"],
    "自然资源": ["土地资源管理", "土地征收", "不动产登记", "矿产", "林业", "草原", "海洋气象", "野生资源", "自然保护地"],
    "纪检监察": ["贪污贿赂", "滥用职权", "失职渎职", "干部作风", "党政处分"],
}

THIRD_LEVEL = {
    ("劳动和社会保障", "社会保险"): ["城镇职工社会保险", "城乡居民社会保险", "医疗和生育保险"],
}


def seed_categories(Category) -> int:  # noqa: N803 - a historical model class is passed in by migrations
    """Create missing rows; codes are stable (C01, C01.02, C01.02.03) so re-running changes nothing."""
    created = 0
    for i, name in enumerate(FIRST_LEVEL, start=1):
        code = f"C{i:02d}"
        top, made = Category.objects.get_or_create(code=code, defaults={"name": name, "level": 1})
        created += made
        for j, sub in enumerate(SECOND_LEVEL.get(name, []), start=1):
            sub_code = f"{code}.{j:02d}"
            second, made = Category.objects.get_or_create(
                code=sub_code, defaults={"name": sub, "level": 2, "parent": top}
            )
            created += made
            for k, leaf in enumerate(THIRD_LEVEL.get((name, sub), []), start=1):
                _, made = Category.objects.get_or_create(
                    code=f"{sub_code}.{k:02d}", defaults={"name": leaf, "level": 3, "parent": second}
                )
                created += made
    return created
