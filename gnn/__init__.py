"""econgraph: gnn."""
