"""Federal Reserve Beige Book text as point-in-time industry signals.

Passages (:mod:`.passages`) are attached to BEA summary industries (:mod:`.industries`), scored for direction by
raters behind one interface (:mod:`.raters`, rubric and labelled sample in ``RUBRIC.md`` / ``labelled_sample.csv``,
agreement in :mod:`.labels`), aggregated to one release-dated index per industry and edition (:mod:`.index`) and
evaluated against BEA gross output (:mod:`.evaluate`).
"""
