"""The city's policy rules as one node enforces them, and how they are reported.

Owns the Policy value (built from the [care] table of node.toml) and its description,
printed when the node starts and returned by GetPolicy, so an operator can check that
every node of the city runs the same rules. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from timebank.ledger.model import format_hours

__all__ = ["Policy"]


@dataclass(frozen=True)
class Policy:
    """The rules; each is a key of [care] in node.toml (deploy/node.example.toml explains them)."""

    # Most minutes a member may hold; a deposit's part above it goes to the donation
    # pool. 0: no cap. Nanjing: 1,500 hours.
    storage_cap_minutes: int = 90_000
    # Minimum age to redeem hours for services (Shanghai: 65, or 60 in hardship).
    redeem_age_min_years: int = 65
    redeem_age_min_hardship_years: int = 60
    # Hours earned in group activities can only be donated.
    group_hours_donate_only: bool = True
    # Hours deposited fewer days ago cannot be given to family or donated.
    give_after_days: int = 30
    # Most minutes one volunteer is credited for in a day.
    daily_service_minutes_max: int = 480
    # How long a check-in or check-out code can be scanned.
    code_valid_seconds: int = 600
    # A proxy acting for more elders than this raises an alert.
    proxy_elders_max: int = 5
    # An elder may get a grant from the donation pool while holding at most this much.
    pool_grant_balance_max_minutes: int = 60
    # A service shorter or longer than these raises an alert.
    implausible_minutes_min: int = 5
    implausible_minutes_max: int = 600
    # Hours given A to B and then B to A within this many days raise an alert.
    back_and_forth_days: int = 30
    # Dates and months are in this offset from UTC (China: 8).
    utc_offset_hours: int = 8

    @classmethod
    def from_table(cls, table: Policy) -> Policy:
        """The rules alone, from a config's [care] table (which adds settings of its own)."""
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
