"""Outputs: what a solve hands out. `Result` (a solution with its pandas tables, summary and
files: `results`), who pays (`payroll`), the result files written atomically (`files`), the
workbook (`xlsx`), the HTML report (`report`), plans over years as files (`years`) and the one
reader of plan folders (`plans`).
"""
