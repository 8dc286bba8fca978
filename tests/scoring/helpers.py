"""Synthetic task tables for the scoring tests."""
from __future__ import annotations

import pandas as pd


def synthetic_tasks(n_occupations: int = 12, per_class: int = 2) -> pd.DataFrame:
    """Small labelled task table whose classes follow the wording (writing -> E1, physical -> E0, software -> E2)."""
    phrases = {
        "E1": ["Write a summary report of {x} for the management team.",
               "Draft letters and emails to clients about {x}.",
               "Translate written documents describing {x}."],
        "E0": ["Lift and carry heavy crates of {x} by hand.",
               "Climb ladders to repair damaged {x} on rooftops.",
               "Operate a forklift to move pallets of {x}."],
        "E2": ["Search the company database of {x} records to answer customer questions.",
               "Retrieve {x} files from internal records systems and compile statistics.",
               "Extract figures about {x} from scanned invoices into the accounting system."],
    }
    things = ["timber", "medical supplies", "steel pipes", "grain", "office furniture", "vehicle parts",
              "electronics", "chemicals", "textiles", "paper", "glass", "cement", "tools", "food", "toys"]
    rows = []
    task_id = 1000
    for o in range(n_occupations):
        soc = f"{11 + o:02d}-{1000 + o:04d}.00"
        for cls, templates in phrases.items():
            for k in range(per_class):
                text = templates[(o + k) % len(templates)].format(x=things[(o * 3 + k) % len(things)])
                rows.append({"onet_soc": soc, "task_id": task_id, "task_text": text, "human_exposure": cls,
                             "gpt4_exposure": cls if (task_id % 4) else "E2"})
                task_id += 1
    return pd.DataFrame(rows)
