"""The site's date formats (``FORMAT_MODULE_PATH``), one module per language it speaks.

Django's admin writes dates through the language's formats ("Dec. 7, 2026, 1:42
a.m." in English) on change pages and the History page; every other page writes
"2026-12-07 01:45 UTC" (``accounts.dates.when``). These make them one: the same
in every language, sortable as text, and naming the time zone.
"""
