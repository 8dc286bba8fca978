"""econgraph: compliance."""
