"""The city's policy rules as one node enforces them, and how they are reported.

Owns the Policy value (built from the [care] table of node.toml) and its description,
printed when the node starts and returned by GetPolicy, so an operator can check that
every node of the city runs the same rules. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from timebank.ledger.model import format_hours


@dataclass(frozen=True)
class Policy:
    storage_cap_minutes: int = 90_000
    redeem_age_min_years: int = 65
    redeem_age_min_hardship_years: int = 60
    group_hours_donate_only: bool = True
    give_after_days: int = 30
    daily_service_minutes_max: int = 480
    code_valid_seconds: int = 600
    proxy_elders_max: int = 5
    pool_grant_balance_max_minutes: int = 60
    implausible_minutes_min: int = 5
    implausible_minutes_max: int = 600
    back_and_forth_days: int = 30
    utc_offset_hours: int = 8

    @classmethod
    def from_table(cls, table: object) -> Policy:
        """The policy of a config's [care] table (the keys have the same names)."""
        return cls(**{name: getattr(table, name) for name in cls.__dataclass_fields__})

    def fields(self) -> dict[str, int | bool]:
        return asdict(self)

    def describe(self) -> list[str]:
        cap = f"{format_hours(self.storage_cap_minutes)} h" if self.storage_cap_minutes else "none"
        return [
            f"storage cap: {cap} (above it, deposits go to the donation pool)",
            f"minimum age to redeem: {self.redeem_age_min_years} ({self.redeem_age_min_hardship_years} in hardship)",
            f"group-activity hours: {'donate only' if self.group_hours_donate_only else 'spend freely'}",
            f"hours can be given away {self.give_after_days} days after they were deposited",
            f"most credited in a day: {format_hours(self.daily_service_minutes_max)} h per volunteer",
            f"check-in codes valid for {self.code_valid_seconds} s",
            f"alerts: a proxy for more than {self.proxy_elders_max} elders; a service under "
            f"{self.implausible_minutes_min} or over {self.implausible_minutes_max} min; hours given back "
            f"within {self.back_and_forth_days} days",
            f"donation-pool grants to elders holding at most {format_hours(self.pool_grant_balance_max_minutes)} h",
            f"local time: UTC{self.utc_offset_hours:+d}",
        ]
