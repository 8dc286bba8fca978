"""econgraph: portfolio."""
