"""econgraph: scoring."""
