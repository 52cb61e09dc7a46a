"""Running migrations: planning from files and ledger, the connections and the run lock, the
ledger table, and executing a plan. Nothing here formats or prints.
"""
