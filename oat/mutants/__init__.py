"""oat's own mutation check: does the suite catch a product that carries one realistic defect?

    catalog   the mutants (lab/mutants/NAME.patch and their headers) and the fast sample
    targets   the documented steps a mutant breaks, the scenarios that carry them, their checks
    runner    one mutant's run: its refs' scenarios first, its whole folders when those pass
    results   what the runs decided (lab/mutants/result.json), per mutant, commit and patch
    coverage  the table per documented step (`oat mutants --table`, the report's 検出力)

A survivor is a finding: the suite lacks a check. Add the check, never remove the mutant.
"""
