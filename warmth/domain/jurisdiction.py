"""The jurisdiction tree (辖区): city > district (区/县) > street (街道/镇) > community (社区/村).

A node is named by its path below the city, joined with ``/``: ``""`` is the whole
city, ``"闵行区"`` a district, ``"闵行区/江川路街道/红旗社区"`` a community.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pydantic import BaseModel, ConfigDict, Field

CITY_SCOPE = ""


class Street(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    communities: list[str] = Field(min_length=1)


class District(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    streets: list[Street] = Field(min_length=1)


class JurisdictionTree(BaseModel):
    """A city and its districts, streets and communities."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    city: str = Field(min_length=1)
    districts: list[District] = Field(default_factory=list)

    @classmethod
    def from_rows(cls, city: str, rows: Iterable[tuple[str, str, str]]) -> JurisdictionTree:
        """Build a tree from (district, street, community) rows, keeping first-seen order."""
        tree: dict[str, dict[str, list[str]]] = {}
        for district, street, community in rows:
            communities = tree.setdefault(district, {}).setdefault(street, [])
            if community not in communities:
                communities.append(community)
        return cls(
            city=city,
            districts=[
                District(
                    name=d, streets=[Street(name=s, communities=c) for s, c in streets.items()]
                )
                for d, streets in tree.items()
            ],
        )

    def communities(self) -> Iterator[tuple[str, str, str]]:
        """Every (district, street, community) triple."""
        for district in self.districts:
            for street in district.streets:
                for community in street.communities:
                    yield district.name, street.name, community

    def district_names(self) -> list[str]:
        return [d.name for d in self.districts]

    def has_scope(self, scope: str) -> bool:
        """Whether ``scope`` names the city or a node of the tree."""
        if scope in (CITY_SCOPE, self.city):
            return True
        parts = scope.split("/")
        for district, street, community in self.communities():
            if parts == [district, street, community][: len(parts)]:
                return True
        return False

    def campaign_scope(self) -> str:
        """The smallest node covering every district: the city, or the only district."""
        return self.districts[0].name if len(self.districts) == 1 else CITY_SCOPE

    def normalize_scope(self, scope: str) -> str:
        """The city's own name stands for the whole city."""
        return CITY_SCOPE if scope == self.city else scope


def scope_covers(outer: str, inner: str) -> bool:
    """Whether jurisdiction ``outer`` contains (or is) ``inner``; ``""`` covers everything."""
    if outer == CITY_SCOPE:
        return True
    return inner == outer or inner.startswith(outer + "/")


def scope_level(scope: str) -> str:
    """``city``, ``district``, ``street`` or ``community``."""
    if scope == CITY_SCOPE:
        return "city"
    return ("district", "street", "community")[min(scope.count("/"), 2)]
