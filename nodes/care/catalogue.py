"""The service catalogue (项目库) shipped with the node, and the qualification kinds.

Owns the data of the policy's catalogue: the general services and the professional ones,
with Chinese and English names, their category, whether they are professional, which
qualifications they require (any one suffices) and their rate (minutes credited per 100
minutes served). Operators add items of their own (stored by the node); shipped codes
cannot be redefined. Pure data and checks: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from timebank.errors import RequestInvalid

__all__ = [
    "CatalogueItem",
    "CATEGORIES",
    "CODE_PATTERN",
    "FINANCIAL",
    "LEGAL",
    "MEDICAL",
    "QUALIFICATION_KINDS",
    "RATE_PERCENT_DEFAULT",
    "RATE_PERCENT_MAX",
    "SHIPPED",
    "SHIPPED_BY_CODE",
]

CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
RATE_PERCENT_DEFAULT = 100
RATE_PERCENT_MAX = 500

# Qualification kinds, named as the city's policy names them: legal work needs 律师资格,
# 公证员资格 or 企业法律顾问资格 (a corporate legal adviser's qualification); health work
# 执业医师资格 or 执业助理医师资格; financial matters 金融机构在职专业人员 (professional
# staff serving at a financial institution).
QUALIFICATION_KINDS: dict[str, str] = {
    "lawyer": "律师资格 / lawyer's qualification",
    "notary": "公证员资格 / notary's qualification",
    "corporate-counsel": "企业法律顾问资格 / corporate legal adviser's qualification",
    "physician": "执业医师资格 / licensed physician",
    "assistant-physician": "执业助理医师资格 / licensed assistant physician",
    "financial-staff": "金融机构在职专业人员 / professional staff of a financial institution",
}
LEGAL = ("lawyer", "notary", "corporate-counsel")
MEDICAL = ("physician", "assistant-physician")
FINANCIAL = ("financial-staff",)

CATEGORIES = ("general", "daily-living", "professional-health", "professional-legal", "professional-financial")


@dataclass(frozen=True)
class CatalogueItem:
    code: str
    name_zh: str
    name_en: str
    category: str
    professional: bool = False
    qualifications: tuple[str, ...] = ()
    rate_percent: int = RATE_PERCENT_DEFAULT
    group: bool = False

    def check(self) -> None:
        if not CODE_PATTERN.match(self.code):
            raise RequestInvalid(f"item.code: got {self.code!r}, want 1 to 32 lowercase letters, digits or dashes")
        for name, value, longest in (("name_zh", self.name_zh, 40), ("name_en", self.name_en, 80)):
            if not value.strip() or len(value) > longest:
                raise RequestInvalid(f"item.{name}: got {len(value)} characters, want 1 to {longest}")
        if self.category not in CATEGORIES:
            raise RequestInvalid(f"item.category: got {self.category!r}, want one of {', '.join(CATEGORIES)}")
        unknown = [kind for kind in self.qualifications if kind not in QUALIFICATION_KINDS]
        if unknown:
            raise RequestInvalid(
                f"item.qualifications: got {unknown[0]!r}, want kinds from {', '.join(QUALIFICATION_KINDS)}"
            )
        if self.professional != bool(self.qualifications):
            raise RequestInvalid("item.qualifications: a professional item names at least one, a general item none")
        if not 1 <= self.rate_percent <= RATE_PERCENT_MAX:
            raise RequestInvalid(f"item.rate_percent: got {self.rate_percent}, want 1..={RATE_PERCENT_MAX}")


SHIPPED: tuple[CatalogueItem, ...] = (
    # General services (一般服务).
    CatalogueItem("emotional-comfort", "情感慰藉", "Emotional comfort", "general"),
    CatalogueItem("assistance", "协助服务", "Assistance", "general"),
    CatalogueItem("travel-companionship", "出行陪伴", "Travel companionship", "general"),
    CatalogueItem("study-help", "助学服务", "Study help", "general"),
    CatalogueItem("lecture", "培训讲座", "Lectures and training", "general", group=True),
    CatalogueItem("recreation", "助乐服务", "Recreation", "general", group=True),
    CatalogueItem("meals", "助餐", "Meals", "daily-living"),
    CatalogueItem("medical-visit", "助医", "Medical visits", "daily-living"),
    CatalogueItem("bathing", "助浴", "Bathing", "daily-living"),
    CatalogueItem("cleaning", "助洁", "Cleaning", "daily-living"),
    CatalogueItem("emergency", "助急", "Emergencies", "daily-living"),
    # Professional services (专业服务): a verified qualification is required.
    CatalogueItem("health-education", "健康科普", "Health education", "professional-health", True, MEDICAL),
    CatalogueItem("legal-aid", "法律援助", "Legal aid", "professional-legal", True, LEGAL),
    CatalogueItem("home-care", "居家照护", "Home care", "professional-health", True, MEDICAL),
    CatalogueItem("free-clinic", "义诊", "Free clinics", "professional-health", True, MEDICAL, group=True),
    CatalogueItem("financial-advice", "金融知识", "Financial advice", "professional-financial", True, FINANCIAL),
)
SHIPPED_BY_CODE = {item.code: item for item in SHIPPED}
