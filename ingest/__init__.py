"""The import engine: specs declare columns, checks and a natural key; the engine does the rest.

Files are read in bounded chunks (`readers`), checked with vectorised pandas operations
(`checks`, `spec`), staged with COPY (`staging`) and published with one set-based
`INSERT … ON CONFLICT` in one transaction (`engine`). It sits below the domain apps: it knows
tables and columns, never distributors or leads.
"""
