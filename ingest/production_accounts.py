r"""BEA-BLS integrated industry-level production accounts: annual nominal gross output by industry, 1947-2023.

Sources (``data/snapshot/bea/production_accounts/PROVENANCE.md``):

* ``industry-production-account-capital.xlsx``: the official BEA-BLS Integrated Industry-level Production Account,
  **released 2025-04-25** (its Readme sheet), 1997-2023, 63 industries. Sheet ``NAICS codes`` (Table A: description,
  production-account code with trailing spaces such as ``"111CA "``, 2017 NAICS) fixes the order of the 63
  industries; sheet ``Gross Output`` (title row ``Production Account Gross Output (Millions of dollars)``, then
  ``Industry Description`` and one column per year) lists them in that order by description (``Federal`` for
  ``Federal government``).
* ``industry-production-account-experimental.xlsx``: the experimental historical account of Eldridge et al. (2020),
  **data pulled 2020-10-26** (its notes sheet): sheets ``1963-2016`` (``yr, indnum, Description, go., ...``:
  indnum 1..63 in the Table A order) and ``1947-1963`` (44 industries: indnum ``2936`` = industries 29..36
  combined, ``3740``, ``4144``, ``4749``, ``5152``, ``5456``, ``5758`` likewise). ``go.`` = nominal gross output,
  USD millions.
  The repository's spliced file (``EV_production_accounts_1947to2023.xlsx``, a derived product) is not used.

Table ``production_accounts_go``: one row per (account, production-account code, year), nominal gross output in USD
millions. ``account`` = ``official_2025`` | ``experimental_1963_2016`` | ``experimental_1947_1963``; a combined
industry of the 1947-1963 sheet has ``pa_code`` = its members joined by ``+`` (``481+482+...+493``).

Point in time: every row of a file is dated by that file's release (2025-04-25 official, 2020-10-26 experimental);
before those dates none of it may be used (the figures for 1963 were published long before, but not these vintages).

Crosswalk to the 71 BEA summary industries (:data:`PA_TO_BEA`, reviewable copy ``data/crosswalks/
production_accounts_bea.csv``): 58 production-account industries carry a BEA summary code of the same name; five
are aggregates of several BEA industries: ``44RT`` retail (441, 445, 452, 4A0), ``531`` real estate (HS, ORE),
``622HO`` hospitals and nursing (622, 623), ``GF`` federal (GFGD, GFGN, GFE), ``GSL`` state and local (GSLG, GSLE).
The information industries keep the older codes 511/512/513/514, which are the BEA summary codes of the same
scope (511 publishing incl. software, 512 motion pictures, 513 broadcasting and telecom, 514 data processing and
other information). An aggregate's *growth rate* is given to each of its members (levels are not split).

Quirks handled: trailing spaces in codes; a Gross Output row whose description does not match Table A (named by
row); a year header that is not a year; non-numeric cells; an indnum outside 1..63 or an unknown composite.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

from .errors import IngestError, MissingInputError, ProblemCollector
from .registry import Progress, Source, progress_or_noop
from .schemas import Column, schema
from .xlsxgrid import read_grid

PARSER_VERSION = "1"
OFFICIAL_RELEASE = pd.Timestamp("2025-04-25")
EXPERIMENTAL_RELEASE = pd.Timestamp("2020-10-26")

INPUTS: dict[str, str] = {
    "official": "bea/production_accounts/industry-production-account-capital.xlsx",
    "experimental": "bea/production_accounts/industry-production-account-experimental.xlsx",
}
URLS = {
    "official": "https://www.bea.gov/data/special-topics/integrated-industry-level-production-account-klems",
    "experimental": "https://www.bea.gov/data/special-topics/integrated-industry-level-production-account-klems "
                    "(historical 1947-2016, Eldridge et al. 2020)",
}
LICENCE = "BEA and BLS data: US government works, public domain."

#: production-account code -> BEA summary industries (the 71 of the IO tables); one-to-many = aggregate
PA_TO_BEA: dict[str, tuple[str, ...]] = {
    "44RT": ("441", "445", "452", "4A0"),
    "531": ("HS", "ORE"),
    "622HO": ("622", "623"),
    "GF": ("GFGD", "GFGN", "GFE"),
    "GSL": ("GSLG", "GSLE"),
}
SAME_CODE = ("111CA", "113FF", "211", "212", "213", "22", "23", "321", "327", "331", "332", "333", "334", "335",
             "3361MV", "3364OT", "337", "339", "311FT", "313TT", "315AL", "322", "323", "324", "325", "326", "42",
             "481", "482", "483", "484", "485", "486", "487OS", "493", "511", "512", "513", "514", "521CI", "523",
             "524", "525", "532RL", "5411", "5415", "5412OP", "55", "561", "562", "61", "621", "624", "711AS", "713",
             "721", "722", "81")
PA_TO_BEA.update({c: (c,) for c in SAME_CODE})

C = Column
SCHEMAS = {
    "production_accounts_go": schema("production_accounts_go", [
        C("account", "str", description="official_2025 | experimental_1963_2016 | experimental_1947_1963"),
        C("pa_code", "str", description="production-account code (members joined by '+' for combined industries)"),
        C("description", "str"),
        C("year", "int"),
        C("gross_output_usd_millions", "float", description="nominal gross output, USD millions"),
    ], key=["account", "pa_code", "year"],
        description="BEA-BLS production accounts: annual nominal gross output by industry 1947-2023, dated by "
                    "each file's release"),
}


#: the older titles the Gross Output sheet and the experimental file use for two information industries
TITLE_ALIASES = {"511": "Publishing industries, except internet (includes software)",
                 "514": "Data processing, internet publishing, and other information services"}


def _same_industry(code: str, table_a: str, title: str) -> bool:
    a, b = _norm(table_a), _norm(title)
    return a.startswith(b) or b.startswith(a) or a[:12] == b[:12] or _norm(TITLE_ALIASES.get(code, "")) == b


def _norm(text: object) -> str:
    return re.sub(r"[^a-z]", "", str(text).lower())


def read_codes(path: Path) -> pd.DataFrame:
    """Table A of the official workbook: (description, pa_code, naics) in the account's order (63 rows)."""
    _, g = read_grid(path, "NAICS codes")
    rows = []
    for i in range(g.shape[0]):
        desc = g[i, 0] if g.shape[1] > 0 else None
        code = g[i, 1] if g.shape[1] > 1 else None
        if desc is None or code is None or not str(code).strip():
            continue
        if str(desc).strip() == "Descriptions":
            continue
        if str(desc).startswith("NA --"):
            break
        rows.append({"description": str(desc).strip(), "pa_code": str(code).strip(),
                     "naics": (str(g[i, 2]).strip() if g.shape[1] > 2 and g[i, 2] is not None else None)})
    out = pd.DataFrame(rows)
    if len(out) != 63:
        raise MissingInputError("Table A does not list the 63 industries of the account", path=path,
                                sheet="NAICS codes", expected="63 rows with a production-account code",
                                got=len(out))
    unknown = sorted(set(out["pa_code"]) - set(PA_TO_BEA))
    if unknown:
        raise IngestError("production-account codes without a BEA mapping", path=path, sheet="NAICS codes",
                          expected=f"codes of PA_TO_BEA ({len(PA_TO_BEA)})", got=unknown)
    return out


def read_official(path: Path, codes: pd.DataFrame) -> pd.DataFrame:
    sheet = "Gross Output"
    _, g = read_grid(path, sheet)
    problems = ProblemCollector(path=path, sheet=sheet)
    if g.shape[0] < 3 or "Gross Output" not in str(g[0, 0]) or str(g[1, 0]).strip() != "Industry Description":
        raise MissingInputError("not the production account's Gross Output sheet", path=path, sheet=sheet, row=1,
                                expected="title 'Production Account Gross Output (Millions of dollars)' then "
                                         "'Industry Description' and years", got=[g[0, 0], g[1, 0]] if len(g) else None)
    years = {}
    for j in range(1, g.shape[1]):
        v = g[1, j]
        if v is None:
            continue
        try:
            y = float(v)
        except ValueError:
            y = float("nan")
        if not (y == int(y) if y == y else False) or not 1900 < y < 2100:
            problems.add("year header is not a year", row=2, column=get_column_letter(j + 1), expected="YYYY", got=v)
            continue
        years[j] = int(y)
    body = [i for i in range(2, g.shape[0]) if g[i, 0] is not None and str(g[i, 0]).strip()]
    if len(body) != len(codes):
        raise IngestError("Gross Output sheet does not have one row per industry of Table A", path=path, sheet=sheet,
                          expected=f"{len(codes)} industries", got=len(body))
    out = []
    for (i, c) in zip(body, codes.itertuples(index=False)):
        desc = str(g[i, 0]).strip()
        if not _same_industry(c.pa_code, c.description, desc):
            problems.add("industry out of Table A's order", row=i + 1, column="A",
                         expected=f"{c.description!r} ({c.pa_code})", got=desc)
            continue
        for j, y in years.items():
            v = g[i, j]
            try:
                x = float(v)
            except (TypeError, ValueError):
                problems.add("gross output is not a number", row=i + 1, column=get_column_letter(j + 1),
                             expected="USD millions", got=v)
                continue
            out.append(("official_2025", c.pa_code, desc, y, x, i + 1))
    problems.raise_if_any()
    df = pd.DataFrame(out, columns=["account", "pa_code", "description", "year", "gross_output_usd_millions", "_row"])
    df["published_date"] = OFFICIAL_RELEASE
    df["vintage"] = "bea-bls-integrated-2025-04-25"
    return df


def _indnum_codes(indnum: int, codes: list[str]) -> list[str] | None:
    if 1 <= indnum <= len(codes):
        return [codes[indnum - 1]]
    s = str(indnum)
    if len(s) == 4:
        a, b = int(s[:2]), int(s[2:])
        if 1 <= a < b <= len(codes):
            return codes[a - 1:b]
    return None


def read_experimental(path: Path, codes: pd.DataFrame) -> pd.DataFrame:
    code_list = list(codes["pa_code"])
    frames = []
    for sheet, account in (("1963-2016", "experimental_1963_2016"), ("1947-1963", "experimental_1947_1963")):
        _, g = read_grid(path, sheet)
        problems = ProblemCollector(path=path, sheet=sheet)
        if g.shape[0] < 3 or [str(v).strip() for v in g[1, :4]] != ["yr", "indnum", "Description", "go."]:
            raise MissingInputError("not a sheet of the experimental production account", path=path, sheet=sheet,
                                    row=2, expected="header 'yr, indnum, Description, go., ...'",
                                    got=list(g[1, :4]) if g.shape[0] > 1 else None)
        out = []
        for i in range(2, g.shape[0]):
            yr, ind, desc, go = g[i, :4]
            if yr is None and ind is None:
                continue
            try:
                y, k, x = int(float(yr)), int(float(ind)), float(go)
            except (TypeError, ValueError):
                problems.add("row does not parse", row=i + 1, expected="integer yr and indnum, numeric go.",
                             got=[yr, ind, go])
                continue
            members = _indnum_codes(k, code_list)
            if members is None:
                problems.add("indnum is neither 1..63 nor a known combination", row=i + 1, column="B",
                             expected="1..63 or AABB (industries AA..BB)", got=ind)
                continue
            if len(members) == 1 and not _same_industry(members[0], codes["description"].iat[k - 1], desc):
                problems.add("description does not match Table A for this indnum", row=i + 1, column="C",
                             expected=codes["description"].iat[k - 1], got=desc)
                continue
            out.append((account, "+".join(members), str(desc).strip(), y, x, i + 1))
        problems.raise_if_any()
        frames.append(pd.DataFrame(out, columns=["account", "pa_code", "description", "year",
                                                 "gross_output_usd_millions", "_row"]))
    df = pd.concat(frames, ignore_index=True)
    df["published_date"] = EXPERIMENTAL_RELEASE
    df["vintage"] = "bea-bls-experimental-2020-10-26"
    return df



def crosswalk_frame() -> pd.DataFrame:
    """:data:`PA_TO_BEA` as rows (pa_code, bea_code, method), the content of data/crosswalks/
    production_accounts_bea.csv."""
    rows = [{"pa_code": pa, "bea_code": b, "method": "same_code" if len(bs) == 1 else "aggregate_growth"}
            for pa, bs in PA_TO_BEA.items() for b in bs]
    return pd.DataFrame(rows).sort_values(["pa_code", "bea_code"]).reset_index(drop=True)


def parse(inputs: Mapping[str, Path], progress: Progress | None = None) -> dict[str, pd.DataFrame]:
    say = progress_or_noop(progress)
    say("production_accounts: Table A codes and official gross output 1997-2023")
    codes = read_codes(inputs["official"])
    off = read_official(inputs["official"], codes)
    say("production_accounts: experimental gross output 1947-2016")
    exp = read_experimental(inputs["experimental"], codes)
    out = pd.concat([off, exp], ignore_index=True)
    out["ref_period"] = out["year"].astype(str)
    return {"production_accounts_go": out}


def annual_growth(table: pd.DataFrame, as_of: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """Years x BEA summary industries: log growth of nominal gross output, from the rows published by ``as_of``
    (all when None). Per production-account industry the growth of year ``y`` comes from the official account when
    it has ``y`` and ``y - 1``, else the 1963-2016 experimental sheet, else the 1947-1963 one (growth, never levels,
    is spliced). A combined industry's growth goes to every member; a production-account aggregate's growth to every
    BEA industry it covers (:data:`PA_TO_BEA`)."""
    t = table
    if as_of is not None:
        t = t[pd.to_datetime(t["published_date"]) <= pd.Timestamp(as_of)]
    cols: dict[str, pd.Series] = {}
    for account in ("experimental_1947_1963", "experimental_1963_2016", "official_2025"):  # later ones override
        a = t[t["account"] == account]
        if a.empty:
            continue
        wide = a.pivot_table(index="year", columns="pa_code", values="gross_output_usd_millions", aggfunc="first")
        g = np.log(wide.where(wide > 0)).diff()
        wide.index = wide.index.astype("int64")
        g.index = wide.index
        g = g[wide.index.to_series().diff().eq(1).to_numpy(dtype=bool)]
        for pa in g.columns:
            for member in pa.split("+"):
                for bea in PA_TO_BEA.get(member, ()):
                    s = g[pa].dropna()
                    cols[bea] = s.combine_first(cols[bea]) if bea in cols else s
    return pd.DataFrame(cols).sort_index()


SOURCE = Source(
    name="production_accounts",
    parser_version=PARSER_VERSION,
    description="BEA-BLS integrated production accounts: annual nominal gross output by industry (official "
                "1997-2023, experimental 1947-2016)",
    inputs=INPUTS,
    parse=parse,
    schemas=SCHEMAS,
    urls=URLS,
    licence=LICENCE,
)
