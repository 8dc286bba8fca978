"""Attach Beige Book passages to the 71 BEA summary industries.

Two levels:

* **Groups** (:data:`GROUPS`): the topics the Beige Book reports on (manufacturing, retail, real estate, ...), each
  with the BEA industries it covers. A passage under a section heading (editions 2003-) belongs to the groups whose
  heading pattern matches (``Real Estate and Construction`` -> real_estate and construction). A passage without a
  heading (editions before 2003, and headed passages under a heading of no group such as ``Summary``) belongs to
  group g when cos(e(s), d_g) >= tau_group and g is the most similar group, d_g the embedding of the group's
  description.
* **Industries**: a passage is attached to industry i *specifically* when cos(e(s), d_i) >= tau_industry and i is
  its most similar industry, d_i the embedding of the industry's description = BEA name + the titles of its 2017
  NAICS/BEA detail industries (warehouse ``xwalk_bea_naics``) + the keywords of :data:`KEYWORDS`.

An industry's passages in an edition are its specific passages when it has any, else the passages of its groups
(``level`` = ``industry`` or ``group`` in the index). Thresholds are calibrated on the labelled sample
(:mod:`scoring.text.labels`): tau_group maximises F1 of group attachment against the labelled group.
Aspects: a passage mentions ``prices`` / ``wages`` / ``employment`` when one of its words matches :data:`ASPECTS`.
"""
from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd

#: group -> (heading pattern, description, BEA summary codes)
GROUPS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "manufacturing": (r"manufactur|industrial|factor", "manufacturing activity, factory orders, production, "
                      "shipments and capacity utilization of manufacturers",
                      ("321", "327", "331", "332", "333", "334", "335", "3361MV", "3364OT", "337", "339", "311FT",
                       "313TT", "315AL", "322", "323", "324", "325", "326")),
    "retail": (r"consumer|retail|auto|vehicle sales", "retail sales, consumer spending, merchants, stores and "
               "auto dealers sales", ("441", "445", "452", "4A0")),
    "tourism": (r"touris|travel|hospitality|leisure", "tourism, hotels, restaurants, travel and leisure activity",
                ("721", "722", "711AS", "713", "481")),
    "real_estate": (r"real estate|housing|residential|home", "residential and commercial real estate, home sales, "
                    "housing markets, office leasing and vacancy rates", ("HS", "ORE", "532RL")),
    "construction": (r"construction|building", "construction activity, homebuilding, housing starts, "
                     "nonresidential building and contractors", ("23",)),
    "finance": (r"bank|financ|credit|lending", "banking, loan demand, lending, deposits, credit quality and "
                "financial institutions", ("521CI", "523", "524", "525")),
    "agriculture": (r"agricult|farm|crop|ranch", "agriculture, farm income, crop conditions, livestock and "
                    "ranchers", ("111CA", "113FF")),
    "energy": (r"energy|mining|natural resource|resource-related|oil", "energy and mining, oil and gas "
               "drilling, rig counts, coal and metals mining", ("211", "212", "213", "324", "486")),
    "transportation": (r"transport|freight|trucking|shipping|ports?\b|distribution", "transportation, freight, "
                       "trucking, rail and shipping volumes, ports and warehousing",
                       ("482", "483", "484", "485", "487OS", "493", "42")),
    "services": (r"services|staffing|business activity|software|information technology",
                 "business and professional services, staffing firms, software and information technology, "
                 "health care and other services",
                 ("5411", "5415", "5412OP", "55", "561", "562", "511", "512", "513", "514", "61", "621", "622",
                  "623", "624", "81")),
}

#: a few words per industry, added to its BEA and NAICS names in its description
KEYWORDS: dict[str, str] = {
    "111CA": "farmers crops corn soybeans wheat cattle livestock dairy harvest", "113FF": "timber logging fishing",
    "211": "oil gas drilling rigs crude natural gas producers", "212": "coal mining copper iron ore metals mines",
    "213": "oilfield services drilling rig count", "22": "electricity utilities power natural gas utility",
    "23": "construction contractors homebuilders building permits", "321": "lumber wood products sawmills",
    "327": "cement glass concrete brick", "331": "steel mills aluminum primary metals",
    "332": "fabricated metal parts", "333": "machinery equipment manufacturers industrial machinery",
    "334": "electronics semiconductors computers high-tech chips telecommunications equipment",
    "335": "electrical equipment appliances", "3361MV": "automobile production auto parts trucks motor vehicles",
    "3364OT": "aircraft aerospace shipbuilding defense", "337": "furniture manufacturers",
    "339": "medical devices toys sporting goods", "311FT": "food processing beverages meat packing tobacco",
    "313TT": "textiles textile mills", "315AL": "apparel clothing footwear", "322": "paper pulp packaging",
    "323": "printing", "324": "refineries gasoline refining", "325": "chemicals pharmaceuticals plastics resins",
    "326": "plastics rubber tires", "42": "wholesale distributors wholesalers", "441": "auto dealers car sales",
    "445": "grocery stores supermarkets", "452": "department stores discount stores general merchandise",
    "4A0": "retailers apparel electronics home furnishings stores", "481": "airlines air travel",
    "482": "railroads rail freight", "483": "shipping barges ports", "484": "trucking freight carriers",
    "485": "transit buses", "486": "pipelines", "487OS": "logistics freight forwarding",
    "493": "warehousing warehouses storage", "511": "publishing software", "512": "movies film music",
    "513": "telecommunications broadcasting cable wireless", "514": "internet data processing",
    "521CI": "banks lending loans deposits credit", "523": "securities brokers investment",
    "524": "insurance insurers", "525": "funds trusts", "HS": "housing home sales homes residential rents",
    "ORE": "commercial real estate office space leasing vacancy", "532RL": "equipment rental leasing",
    "5411": "law firms legal services", "5415": "computer services software consulting information technology",
    "5412OP": "professional services consulting accounting engineering advertising",
    "55": "corporate headquarters", "561": "staffing agencies temporary help employment services",
    "562": "waste management", "61": "education schools colleges universities", "621": "health care physicians",
    "622": "hospitals", "623": "nursing homes", "624": "social services child care", "711AS": "entertainment sports",
    "713": "casinos gaming recreation amusement", "721": "hotels lodging occupancy tourism",
    "722": "restaurants food service dining", "81": "repair personal services",
    "GFGD": "defense spending military", "GFGN": "federal government", "GFE": "postal service",
    "GSLG": "state and local government", "GSLE": "state and local government enterprises",
}

#: a passage mentions an aspect when one of its words matches (whole words, lower case)
ASPECTS = {
    "prices": re.compile(r"^(?:pric\w*|costs?|inflation\w*|rents?)$"),
    "wages": re.compile(r"^(?:wages?|salar\w*|compensation|pay)$"),
    "employment": re.compile(r"^(?:employ\w*|hiring|hired?|jobs?|layoffs?|labor|workers|headcount|staffing)$"),
}


@lru_cache(maxsize=4096)
def _groups_of(heading: str) -> tuple[str, ...]:
    return tuple(g for g, (pat, _, _) in GROUPS.items() if re.search(pat, heading, re.I))


def group_of_heading(heading) -> tuple[str, ...]:
    """Groups whose heading pattern matches ``heading`` (empty for no heading)."""
    if not isinstance(heading, str) or not heading:
        return ()
    return _groups_of(heading)


def industry_descriptions(bea_industries: pd.DataFrame, xwalk: pd.DataFrame | None = None) -> pd.Series:
    """bea_code -> description (BEA name; NAICS/BEA detail titles; keywords)."""
    out = {}
    for code, name in zip(bea_industries["bea_code"], bea_industries["name"]):
        titles = []
        if xwalk is not None:
            t = xwalk.loc[xwalk["bea_summary_code"] == code, "bea_detail_title"].dropna().drop_duplicates()
            titles = t.head(8).tolist()
        out[code] = "; ".join([name, *titles, KEYWORDS.get(code, "")])
    return pd.Series(out)


def group_descriptions() -> pd.Series:
    return pd.Series({g: d for g, (_, d, _) in GROUPS.items()})


def aspects(counts, vocab: dict[str, int]) -> pd.DataFrame:
    """Aspect flags of passages from their word counts (:meth:`WordVectorEmbedder.counts`)."""
    out = {}
    for a, pat in ASPECTS.items():
        cols = [i for w, i in vocab.items() if i < counts.shape[1] and pat.match(w)]
        out[a] = np.asarray(counts[:, cols].sum(axis=1)).ravel() > 0 if cols else np.zeros(counts.shape[0], bool)
    return pd.DataFrame(out)
