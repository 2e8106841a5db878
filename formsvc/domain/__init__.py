"""The domain's tables: facts the whole service reads and nothing here changes at run time."""
