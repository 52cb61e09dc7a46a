"""Schemas as the files build them and as a database holds them.

``scratch`` makes throwaway databases, ``replay`` applies files there, ``expected`` builds the
schema the files produce, ``diff`` compares two catalog models, ``ddl`` renders one as SQL, and
``compare`` sets a live database beside what its files expect.
"""
