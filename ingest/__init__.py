"""econgraph: ingest."""
