"""The numbers behind the document: what the brief says (read), what follows from it (capacity), and whether a
document agrees with it (check).

    facts = read_facts(values, answers=(), corrections={})   # typed, frozen facts with the words they came from
    cap = capacity(facts)                                     # figures with formulas, inputs and assumptions
    check_figures(markdown, facts)                            # a document's figures against the facts
    checked_topics(facts)                                     # what that check could confirm (the rest: unchecked)
"""

from specchain.facts.capacity import Assumption, Capacity, Conflict, Figure, capacity
from specchain.facts.check import (
    Mismatch,
    check_figures,
    checked_topics,
    unchecked_topics,
)
from specchain.facts.model import AnsweredQuestion, Fact, Facts, Unread
from specchain.facts.read import read_facts

__all__ = ["AnsweredQuestion", "Assumption", "Capacity", "Conflict", "Fact", "Facts", "Figure", "Mismatch", "Unread",
           "capacity", "check_figures", "checked_topics", "read_facts", "unchecked_topics"]
