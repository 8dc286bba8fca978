"""econgraph: api."""
