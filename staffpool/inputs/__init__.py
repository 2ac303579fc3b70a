"""Inputs: reading an instance (a folder of CSV files, a JSON file or a workbook, in English or
Chinese, in any of the encodings an office saves) into raw tables (`read`), the aliases that
map Chinese and misspelt headers and values to staffpool's names (`aliases`), validation into a
domain `Instance` with every problem named by file, row and column (`validate`), and the
labels that turn codes back into the office's words (`labels`). Imports only the domain.
"""
