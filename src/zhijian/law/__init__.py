"""The legal kernel: pure Python, no I/O beyond its own packaged reference data, no Django.

ID numbers, Chinese numerals, sentence wording, term arithmetic, the crime catalogue and
the reduction and parole rules, each rule carrying its citation.
"""

from __future__ import annotations
