"""econgraph: graph."""
