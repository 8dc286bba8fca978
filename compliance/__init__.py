"""econgraph compliance: a cited rule library compiled two ways (cvxpy constraints for the optimizer and an exact
checker), breach lifecycle, hash-chained audit trail with replay, and reports. Pure: takes holdings, prices,
classifications and security attributes as plain data; imports nothing from graph/gnn/portfolio/api/pipeline.

See compliance/README.md for the input schema, the rules and their citations, and the methods.
"""
from .breaches import Breach, BreachBook, BreachError
from .check import CheckResult, PreTradeResult, RuleResult, check_book, pre_trade
from .compile import CompiledRules, TaggedConstraint, compile_rules
from .inputs import Book, ComplianceInputError, build_book
from .rules import RULE_CLASSES, ConfigError, RuleSet, config_hash, load_config

__all__ = ["Book", "Breach", "BreachBook", "BreachError", "CheckResult", "CompiledRules", "ComplianceInputError",
           "ConfigError", "PreTradeResult", "RULE_CLASSES", "RuleResult", "RuleSet", "TaggedConstraint",
           "build_book", "check_book", "compile_rules", "config_hash", "load_config", "pre_trade"]
