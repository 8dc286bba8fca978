"""econgraph: pipeline."""
